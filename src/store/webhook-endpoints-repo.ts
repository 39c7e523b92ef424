/**
 * Webhook endpoints in SQLite. Secrets are sealed with the store's SecretBox (the plaintext is
 * needed to sign); a rotation keeps the previous secret signing until `oldSecretUntil`.
 */
import type { Db } from './database.js';
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

/** The synchronous SQLite implementation; callers get its asynchronous view, `WebhookEndpointsRepo`. */
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
export function createWebhookEndpointsRepo(db: Db, box: SecretBox): WebhookEndpointsTable {
  const byId = db.prepare<[string], Row>('select * from webhook_endpoints where id = ?');
  return {
    list: () => (db.prepare('select * from webhook_endpoints order by created_at, id').all() as Row[]).map(toEndpoint),
    get: (id) => {
      const r = byId.get(id);
      return r ? toEndpoint(r) : undefined;
    },
    byUrl: (url) => {
      const r = db.prepare<[string], Row>('select * from webhook_endpoints where url = ? order by created_at limit 1').get(url);
      return r ? toEndpoint(r) : undefined;
    },
    insert: (e, secret, at) => {
      db.prepare(
        `insert into webhook_endpoints (id, url, description, secret_sealed, event_types, accounts, chats, keywords,
           include_self, enabled, source, created_at, updated_at, format) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
      return toEndpoint(byId.get(e.id)!);
    },
    update: (id, p, at) => {
      const cur = byId.get(id);
      if (!cur) return undefined;
      db.prepare(
        `update webhook_endpoints set url = ?, description = ?, event_types = ?, accounts = ?, chats = ?, keywords = ?,
           include_self = ?, enabled = ?, source = ?, format = ?, updated_at = ? where id = ?`,
      ).run(
        p.url ?? cur.url,
        p.description ?? cur.description,
        p.eventTypes ? JSON.stringify(p.eventTypes) : cur.event_types,
        p.accounts ? JSON.stringify(p.accounts) : cur.accounts,
        p.chats ? JSON.stringify(p.chats) : cur.chats,
        p.keywords ? JSON.stringify(p.keywords) : cur.keywords,
        p.includeSelf === undefined ? cur.include_self : p.includeSelf ? 1 : 0,
        p.enabled === undefined ? cur.enabled : p.enabled ? 1 : 0,
        p.source ?? cur.source,
        p.format ?? cur.format,
        at,
        id,
      );
      return toEndpoint(byId.get(id)!);
    },
    rotate: (id, secret, oldUntil, at) => {
      const cur = byId.get(id);
      if (!cur) return false;
      const keepOld = oldUntil > at;
      db.prepare('update webhook_endpoints set secret_sealed = ?, old_secret_sealed = ?, old_secret_until = ?, updated_at = ? where id = ?').run(
        box.seal(secret),
        keepOld ? cur.secret_sealed : null,
        keepOld ? oldUntil : null,
        at,
        id,
      );
      return true;
    },
    remove: (id) => db.prepare('delete from webhook_endpoints where id = ?').run(id).changes > 0,
    signingSecrets: (id, at) => {
      const r = byId.get(id);
      if (!r) return [];
      const list = [box.open(r.secret_sealed)];
      if (r.old_secret_sealed && r.old_secret_until != null && r.old_secret_until > at) list.push(box.open(r.old_secret_sealed));
      return list;
    },
    currentSecret: (id) => {
      const r = byId.get(id);
      return r ? box.open(r.secret_sealed) : undefined;
    },
  };
}
