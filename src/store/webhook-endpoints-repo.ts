/**
 * Webhook endpoints in SQLite. Secrets are sealed with the store's SecretBox (the plaintext is
 * needed to sign); a rotation keeps the previous secret signing until `oldSecretUntil`.
 */
import { all, get, run, type Sql, type Steps } from './sql/work.js';
import type { Promised } from './gate.js';
import type { SecretBox } from './secret-box.js';
import type { EndpointFilters, EndpointSource, WebhookEndpoint, WebhookFormat } from '../webhook/records.js';

interface Row {
  id: string;
  url: string;
  description: string;
  secret_sealed: string;
  old_secret_sealed: string | null;
  old_secret_until: number | null;
  event_types: string;
  accounts: string;
  chats: string;
  keywords: string;
  include_self: number;
  format: string;
  enabled: number;
  source: string;
  created_at: number;
  updated_at: number;
}

/** The repository's shape with plain results; callers get its asynchronous view, `WebhookEndpointsRepo`. */
export interface WebhookEndpointsTable {
  list(): WebhookEndpoint[];
  get(id: string): WebhookEndpoint | undefined;
  byUrl(url: string): WebhookEndpoint | undefined;
  insert(e: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt' | 'oldSecretUntil'>, secret: string, at: number): WebhookEndpoint;
  update(
    id: string,
    patch: Partial<EndpointFilters & { url: string; description: string; enabled: boolean; source: EndpointSource }>,
    at: number,
  ): WebhookEndpoint | undefined;
  /** Replace the secret; the old one keeps signing until `oldUntil` (or stops now when `oldUntil` ≤ at). */
  rotate(id: string, secret: string, oldUntil: number, at: number): boolean;
  remove(id: string): boolean;
  /** The secrets that sign now: the current one, then the previous one while its overlap lasts. */
  signingSecrets(id: string, at: number): string[];
  currentSecret(id: string): string | undefined;
}

export type WebhookEndpointsRepo = Promised<WebhookEndpointsTable>;

/** The formats an endpoint row may name (the compiler checks this against `WebhookFormat`); anything else reads as standard. */
const FORMATS = { standard: true, 'wechatbot-webhook': true } satisfies Record<WebhookFormat, true>;

const parseList = (s: string): string[] => {
  const v = JSON.parse(s) as unknown;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

function toEndpoint(r: Row): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    enabled: r.enabled === 1,
    source: r.source as EndpointSource,
    eventTypes: parseList(r.event_types) as EndpointFilters['eventTypes'],
    accounts: parseList(r.accounts),
    chats: parseList(r.chats),
    keywords: parseList(r.keywords),
    includeSelf: r.include_self === 1,
    format: Object.hasOwn(FORMATS, r.format) ? (r.format as WebhookFormat) : 'standard',
    ...(r.old_secret_until != null && { oldSecretUntil: r.old_secret_until }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * @example
 *   const endpoints = createWebhookEndpointsRepo(db, box);
 *   endpoints.signingSecrets(id, Date.now()); // ['whsec_new', 'whsec_old']
 */
export function createWebhookEndpointsRepo(sql: Sql, box: SecretBox): Steps<WebhookEndpointsTable> {
  const byId = sql.query('select * from webhook_endpoints where id = ?');
  const list = sql.query('select * from webhook_endpoints order by created_at, id');
  const byUrl = sql.query('select * from webhook_endpoints where url = ? order by created_at limit 1');
  const insert = sql.query(
    `insert into webhook_endpoints (id, url, description, secret_sealed, event_types, accounts, chats, keywords,
       include_self, enabled, source, created_at, updated_at, format) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // One statement, each field kept when the patch leaves it out (no read-then-write for another node to slip into).
  const update = sql.query(
    `update webhook_endpoints set url = coalesce(?, url), description = coalesce(?, description), event_types = coalesce(?, event_types),
       accounts = coalesce(?, accounts), chats = coalesce(?, chats), keywords = coalesce(?, keywords), include_self = coalesce(?, include_self),
       enabled = coalesce(?, enabled), source = coalesce(?, source), format = coalesce(?, format), updated_at = ? where id = ?`,
  );
  // The right-hand sides read the row as it was: the old secret moves over as the new one comes in.
  const rotate = sql.query(
    `update webhook_endpoints set old_secret_sealed = case when ? = 1 then secret_sealed end, old_secret_until = ?, secret_sealed = ?,
       updated_at = ? where id = ?`,
  );
  const remove = sql.query('delete from webhook_endpoints where id = ?');
  const json = (v: unknown[] | undefined): string | null => (v ? JSON.stringify(v) : null);
  const flag = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
  return {
    *list() {
      return (yield* all<Row>(list)).map(toEndpoint);
    },
    *get(id) {
      const r = yield* get<Row>(byId, id);
      return r ? toEndpoint(r) : undefined;
    },
    *byUrl(url) {
      const r = yield* get<Row>(byUrl, url);
      return r ? toEndpoint(r) : undefined;
    },
    *insert(e, secret, at) {
      yield* run(
        insert,
        e.id,
        e.url,
        e.description,
        box.seal(secret),
        JSON.stringify(e.eventTypes),
        JSON.stringify(e.accounts),
        JSON.stringify(e.chats),
        JSON.stringify(e.keywords),
        e.includeSelf ? 1 : 0,
        e.enabled ? 1 : 0,
        e.source,
        at,
        at,
        e.format,
      );
      return toEndpoint((yield* get<Row>(byId, e.id))!);
    },
    *update(id, p, at) {
      const changed = yield* run(
        update,
        p.url ?? null,
        p.description ?? null,
        json(p.eventTypes),
        json(p.accounts),
        json(p.chats),
        json(p.keywords),
        flag(p.includeSelf),
        flag(p.enabled),
        p.source ?? null,
        p.format ?? null,
        at,
        id,
      );
      if (changed === 0) return undefined;
      return toEndpoint((yield* get<Row>(byId, id))!);
    },
    *rotate(id, secret, oldUntil, at) {
      const keepOld = oldUntil > at;
      return (yield* run(rotate, keepOld ? 1 : 0, keepOld ? oldUntil : null, box.seal(secret), at, id)) > 0;
    },
    *remove(id) {
      return (yield* run(remove, id)) > 0;
    },
    *signingSecrets(id, at) {
      const r = yield* get<Row>(byId, id);
      if (!r) return [];
      const secrets = [box.open(r.secret_sealed)];
      if (r.old_secret_sealed && r.old_secret_until != null && r.old_secret_until > at) secrets.push(box.open(r.old_secret_sealed));
      return secrets;
    },
    *currentSecret(id) {
      const r = yield* get<Row>(byId, id);
      return r ? box.open(r.secret_sealed) : undefined;
    },
  };
}
