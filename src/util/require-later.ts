/**
 * A CommonJS dependency loaded on its first use instead of at start, for what a running bot may never
 * need (axios, tough-cookie, re2js, qrcode-terminal, pino-pretty): each weighs megabytes once loaded.
 * `require`, not `import()`, so that synchronous callers can have it too; Node's cache gives every
 * caller the same copy.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @example const toughCookie = requireLater<typeof ToughCookie>('tough-cookie'); toughCookie().CookieJar */
export function requireLater<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
