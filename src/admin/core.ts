/**
 * The part of the panel that runs from the start, before anyone opens a page: the cookie key, the
 * first admin from ADMIN_PASSWORD, the setup code the server prints, the friend requests seen since
 * start (WeChat's web protocol does not list old ones) and the /metrics figures. It imports nothing
 * heavy, so the server can build it at start and load the pages (EJS, routes, forms) on the first
 * request (see lazy.ts).
 */
import { MetricsLater } from '../http/metrics-later.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { AdminUsersRepo } from '../store/index.js';
import type { FriendRequest } from '../transport/model.js';
import type { AdminDeps } from './deps.js';
import { createSigner, loadCookieKey, type Signer } from './security.js';
import { createSetupGate, type SetupGate } from './setup-gate.js';
import { hashPassword } from './passwords.js';
import { adaptWebhooks, type WebhooksAdapter } from './webhooks-adapter.js';
import { createAdminMetrics } from './metrics.js';

export interface AdminCore {
  deps: AdminDeps;
  clock: Clock;
  users: AdminUsersRepo;
  /** Signs cookies once `keyLoaded` resolved. */
  signer: Signer;
  keyLoaded: Promise<void>;
  webhooks: WebhooksAdapter | undefined;
  /** Friend requests seen since start, per account (newest first, 50 at most). */
  friendRequests: Map<string, FriendRequest[]>;
  /** What /metrics serves (its registry is made at the first scrape). */
  metrics: MetricsLater;
  setupGate: SetupGate;
  /** Resolves once ADMIN_PASSWORD has seeded the first admin (when it is set). */
  seeded: Promise<void>;
  /**
   * On a fresh install (no admin yet, once ADMIN_PASSWORD has been applied): the one-time code that
   * lets a visitor who is not on this machine claim /setup. The server prints it in its log.
   */
  setupCode(): Promise<string | undefined>;
  /** Stop listening to the account manager. Idempotent. */
  close(): void;
}

/**
 * @example
 *   const core = createAdminCore(deps);
 *   log.warn(`setup code ${await core.setupCode()}`);
 */
export function createAdminCore(deps: AdminDeps): AdminCore {
  const users = deps.store.adminUsers;
  // The key is read from the store before the first request is handled (the panel awaits `keyLoaded`).
  let keyed: Signer | undefined;
  const keyLoaded = loadCookieKey(deps.store.settings).then((key) => void (keyed = createSigner(key)));
  keyLoaded.catch(() => {}); // reported by the first request that awaits it
  const loaded = (): Signer => {
    if (!keyed) throw new Error('the cookie key is not loaded yet');
    return keyed;
  };
  const friendRequests = new Map<string, FriendRequest[]>();
  const webhooks = adaptWebhooks(deps.webhooks);
  const metricsRegistry = deps.metrics ?? new MetricsLater();
  const setupGate = createSetupGate();
  let seeded = Promise.resolve();
  if (deps.config.adminPassword) {
    const password = deps.config.adminPassword;
    seeded = (async () => {
      if ((await users.count()) > 0) return;
      const hash = await hashPassword(password);
      if (await users.createFirst({ username: 'admin', passwordHash: hash, role: 'admin' })) {
        await deps.store.audit.record({ actor: 'system', action: 'user.create', target: 'admin', details: { from: 'ADMIN_PASSWORD' } });
      }
    })();
  }
  const unsubscribe = deps.manager.onEvent((e) => {
    if (e.type !== 'friend.request') return;
    const list = friendRequests.get(e.account) ?? [];
    list.unshift(e.data as FriendRequest);
    friendRequests.set(e.account, list.slice(0, 50));
  });
  const metrics = createAdminMetrics(metricsRegistry, deps, webhooks);
  let closed = false;
  return {
    deps,
    clock: deps.clock ?? systemClock,
    users,
    signer: { sign: (v) => loaded().sign(v), unsign: (v) => loaded().unsign(v) },
    keyLoaded,
    webhooks,
    friendRequests,
    metrics: metricsRegistry,
    setupGate,
    seeded,
    setupCode: async () => {
      await seeded;
      return (await users.count()) === 0 ? setupGate.code : undefined;
    },
    close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      metrics.close();
    },
  };
}
