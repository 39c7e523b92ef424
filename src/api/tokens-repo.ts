/**
 * API bearer tokens: only a sha256 of each token is stored, with a name, an optional read-only
 * flag, `last_used_at` and a revocation time. The plaintext is returned once, at creation.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../store/database.js';

export interface ApiToken {
  id: string;
  name: string;
  /** The first characters, to recognise the token in a list. */
  prefix: string;
  readOnly: boolean;
  createdAt: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

export interface ApiTokens {
  /** Make a token; the plaintext is in the result only. */
  create(name: string, options?: { readOnly?: boolean }): { token: string; record: ApiToken };
  list(): ApiToken[];
  get(id: string): ApiToken | undefined;
  revoke(id: string): boolean;
  /** The valid (not revoked) token with this plaintext, noting its use. */
  verify(plain: string): ApiToken | undefined;
  /** API_TOKEN: make sure this plaintext is a valid token (created or un-revoked). */
  ensureToken(plain: string, name?: string): ApiToken;
}

interface Row {
  id: string;
  name: string;
  hash: string;
  prefix: string;
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
    prefix: r.prefix,
    readOnly: r.read_only === 1,
    createdAt: r.created_at,
    ...(r.last_used_at != null && { lastUsedAt: r.last_used_at }),
    ...(r.revoked_at != null && { revokedAt: r.revoked_at }),
  };
}

/**
 * @example
 *   const tokens = createApiTokens(store.db);
 *   const { token } = tokens.create('n8n');   // show once
 *   tokens.verify(token)?.name === 'n8n';
 */
export function createApiTokens(db: Db, now: () => number = Date.now): ApiTokens {
  const byHash = db.prepare<[string], Row>('select * from api_tokens where hash = ?');
  const byId = db.prepare<[string], Row>('select * from api_tokens where id = ?');
  const touch = db.prepare('update api_tokens set last_used_at = ? where id = ?');
  const insert = (name: string, plain: string, readOnly: boolean): ApiToken => {
    const id = 'tok_' + randomUUID().replace(/-/g, '').slice(0, 12);
    db.prepare('insert into api_tokens (id, name, hash, prefix, read_only, created_at) values (?, ?, ?, ?, ?, ?)').run(
      id,
      name,
      hashOf(plain),
      plain.slice(0, 8),
      readOnly ? 1 : 0,
      now(),
    );
    return toToken(byId.get(id)!);
  };
  return {
    create: (name, o = {}) => {
      const clean = name.trim();
      if (!clean || clean.length > 100) throw new TypeError('A token needs a name of 1 to 100 characters.');
      const token = 'wrt_' + randomBytes(32).toString('base64url');
      return { token, record: insert(clean, token, o.readOnly ?? false) };
    },
    list: () => (db.prepare('select * from api_tokens order by created_at, id').all() as Row[]).map(toToken),
    get: (id) => {
      const r = byId.get(id);
      return r ? toToken(r) : undefined;
    },
    revoke: (id) => db.prepare('update api_tokens set revoked_at = ? where id = ? and revoked_at is null').run(now(), id).changes > 0,
    verify: (plain) => {
      if (!plain) return undefined;
      const r = byHash.get(hashOf(plain));
      if (!r || r.revoked_at != null) return undefined;
      const t = now();
      // One write per token per second at most: busy clients do not turn reads into writes.
      if (r.last_used_at == null || t - r.last_used_at >= 1000) touch.run(t, r.id);
      return toToken({ ...r, last_used_at: t });
    },
    ensureToken: (plain, name = 'API_TOKEN (config)') => {
      const r = byHash.get(hashOf(plain));
      if (r) {
        if (r.revoked_at != null) db.prepare('update api_tokens set revoked_at = null where id = ?').run(r.id);
        return toToken(byId.get(r.id)!);
      }
      return insert(name, plain, false);
    },
  };
}
