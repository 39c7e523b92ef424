/**
 * A message read from one of the cluster's Redis channels, or undefined when it is damaged (not
 * JSON: a node of another version, a hand-typed PUBLISH) or is this node's own (every node hears
 * what it publishes).
 */
export function othersNews<T extends { node?: unknown }>(text: string, self: string): T | undefined {
  let news: T;
  try {
    news = JSON.parse(text) as T;
  } catch {
    return undefined;
  }
  return news && typeof news === 'object' && news.node !== self ? news : undefined;
}
