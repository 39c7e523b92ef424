/** What `Idempotency-Key` keeps: the first answer to a (token, key), and what a lookup finds. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type IdempotencyLookup = { kind: 'new' } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'mismatch' } | { kind: 'running' };
