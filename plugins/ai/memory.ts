/**
 * Conversation memory for the AI plugin: turns kept per conversation (per person in private chats,
 * per room in groups), trimmed by number of turns, by approximate tokens and by age.
 */

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
  at: number;
}

export interface MemoryLimits {
  /** Question-and-answer pairs to keep. */
  maxTurns: number;
  /** Approximate tokens of history to keep. */
  maxTokens: number;
  /** Forget turns older than this (ms); 0 = never. */
  expiryMs: number;
}

/**
 * A cheap token estimate without a tokenizer: CJK characters count about one token each, other
 * text about four characters per token. Good enough to keep requests within a budget.
 *
 * @example
 *   estimateTokens('hello world'); // 3
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  for (const ch of text) if (/[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u.test(ch)) cjk++;
  const other = [...text].length - cjk;
  return cjk + Math.ceil(other / 4) + 1;
}

/**
 * Drop what the limits do not allow, oldest first, keeping question/answer pairs together (the
 * history never starts with an answer).
 *
 * @example
 *   const kept = trimTurns(turns, { maxTurns: 10, maxTokens: 2000, expiryMs: 3_600_000 }, clock.now());
 */
export function trimTurns(turns: readonly Turn[], limits: MemoryLimits, now: number): Turn[] {
  let kept = limits.expiryMs > 0 ? turns.filter((t) => now - t.at < limits.expiryMs) : turns.slice();
  const maxMessages = Math.max(0, limits.maxTurns) * 2;
  if (kept.length > maxMessages) kept = kept.slice(kept.length - maxMessages);
  let tokens = kept.reduce((n, t) => n + estimateTokens(t.content), 0);
  while (kept.length > 0 && (tokens > limits.maxTokens || kept[0]!.role !== 'user')) {
    tokens -= estimateTokens(kept.shift()!.content);
  }
  return kept;
}

/** Remove `<think>…</think>` reasoning blocks some models put before the answer. */
export function stripReasoning(text: string): string {
  return text.replace(/<think>[\s\S]*?<\/think>/g, '').trim();
}
