/**
 * API bearer tokens: only a sha256 of each token is stored, with a name, a random public id (what
 * the panel shows; no part of the secret is stored or shown), an optional read-only flag, where it
 * came from (the panel or API_TOKEN), `last_used_at` and a revocation time. The plaintext is
 * returned once, at creation. A revocation is final, also for API_TOKEN: a restart does not undo it.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { all, get, run, type Sql, type Steps, type Work } from './sql/work.js';
import type { Promised } from './gate.js';
import type { ApiToken } from '../api/api-token.js';

/** The repository's shape with plain results; callers get its asynchronous view, `ApiTokensRepo`. */
export interface ApiTokensTable {
  /** Make a token; the plaintext is in the result only. */
  create(name: string, options?: { readOnly?: boolean }): { token: string; record: ApiToken };
  list(): ApiToken[];
  get(id: string): ApiToken | undefined;
  revoke(id: string): boolean;
  /** The valid (not revoked) token with this plaintext, noting its use. */
  verify(plain: string): ApiToken | undefined;
  /**
   * API_TOKEN: make sure this plaintext is a token. A token revoked in the panel stays revoked (the
   * result says so in `revokedAt`): the operator revoked it on purpose, a restart must not undo that.
   */
  ensureToken(plain: string, name?: string): ApiToken;
}

export type ApiTokensRepo = Promised<ApiTokensTable>;

interface Row {
  id: string;
  name: string;
  hash: string;
  public_id: string;
  source: string;
  read_only: number;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const hashOf = (plain: string): string => createHash('sha256').update(plain, 'utf8').digest('hex');

function toToken(r: Row): ApiToken {
  return {
    id: r.id,
    name: r.name,
    publicId: r.public_id,
    source: r.source === 'config' ? 'config' : 'panel',
    readOnly: r.read_only === 1,
    createdAt: r.created_at,
    ...(r.last_used_at != null && { lastUsedAt: r.last_used_at }),
    ...(r.revoked_at != null && { revokedAt: r.revoked_at }),
  };
}

/**
 * @example
 *   const tokens = createApiTokensRepo(db);
 *   const { token } = tokens.create('n8n');   // show once
 *   tokens.verify(token)?.name === 'n8n';
 */
export function createApiTokensRepo(sql: Sql, now: () => number = Date.now): Steps<ApiTokensTable> {
  const byHash = sql.query('select * from api_tokens where hash = ?');
  const byId = sql.query('select * from api_tokens where id = ?');
  const touch = sql.query('update api_tokens set last_used_at = ? where id = ?');
  const list = sql.query('select * from api_tokens order by created_at, id');
  const revoke = sql.query('update api_tokens set revoked_at = ? where id = ? and revoked_at is null');
  // A token already stored (another node ensuring the same API_TOKEN at once) is kept, not doubled.
  const add = sql.query(
    'insert into api_tokens (id, name, hash, public_id, read_only, source, created_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (hash) do nothing',
  );
  function* insert(name: string, plain: string, publicId: string, readOnly: boolean, source: ApiToken['source']): Work<ApiToken> {
    const id = 'tok_' + randomUUID().replace(/-/g, '').slice(0, 12);
    yield* run(add, id, name, hashOf(plain), publicId, readOnly ? 1 : 0, source, now());
    return toToken((yield* get<Row>(byHash, hashOf(plain)))!);
  }
  const newPublicId = (): string => randomBytes(4).toString('hex');
  return {
    *create(name, o = {}) {
      const clean = name.trim();
      if (!clean || clean.length > 100) throw new TypeError('A token needs a name of 1 to 100 characters.');
      const publicId = newPublicId();
      const token = `wrt_${publicId}_${randomBytes(32).toString('base64url')}`;
      return { token, record: yield* insert(clean, token, publicId, o.readOnly ?? false, 'panel') };
    },
    *list() {
      return (yield* all<Row>(list)).map(toToken);
    },
    *get(id) {
      const r = yield* get<Row>(byId, id);
      return r ? toToken(r) : undefined;
    },
    *revoke(id) {
      return (yield* run(revoke, now(), id)) > 0;
    },
    // Reads, then at most touches the last-used time: a revocation racing it wins the next call.
    *verify(plain) {
      if (!plain) return undefined;
      const r = yield* get<Row>(byHash, hashOf(plain));
      if (!r || r.revoked_at != null) return undefined;
      const t = now();
      // One write per token per second at most: busy clients do not turn reads into writes.
      if (r.last_used_at == null || t - r.last_used_at >= 1000) yield* run(touch, t, r.id);
      return toToken({ ...r, last_used_at: t });
    },
    *ensureToken(plain, name = 'API_TOKEN (config)') {
      const r = yield* get<Row>(byHash, hashOf(plain));
      return r ? toToken(r) : yield* insert(name, plain, newPublicId(), false, 'config');
    },
  };
}
