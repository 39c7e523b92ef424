// An account's login when the store is slow or briefly fails (a CPU-starved PostgreSQL shared by many
// accounts): the saved session survives a failed read, a transport that came up before a failed write is
// stopped before the retry, and a cluster handover that arrives while the account is still being launched
// stops it once launched instead of leaving it running with no lease. Real AccountManager and store (the
// suite's switch: SQLite or PostgreSQL), the fenced store of a cluster, the fake transport.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/index.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Repos, Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { openTestStore } from '../helpers/store.js';
import { leaseCluster } from '../helpers/lease-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'weiroto-busy-store-'));
const store = await openTestStore({ dataDir: dir });

/** What a database that did not answer in time says (node-postgres, a connection the server ended). */
const dbError = (): Error => new Error('Connection terminated unexpectedly');

describe('a login on a busy store', () => {
  const base = { log: silentLogger(), pluginRegistry: new PluginRegistry([]), sendPacing: 'off' as const, botPlugins: [], reloginDelayMs: 20 };
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the saved session when reading it fails, and resumes it at the retry (no new login)', async () => {
    const transports: FakeTransport[] = [];
    const first = new AccountManager({ ...base, store, createTransport: () => new FakeTransport() });
    const id = (await first.add('session kept')).id;
    await waitUntil(() => first.get(id)!.info().state === 'online', 10_000, 'logged in once');
    await first.stopAll();
    assert.ok(await store.sessions.load(id), 'a saved session');

    let failures = 1;
    const load = (account: string): ReturnType<Store['sessions']['load']> => (failures-- > 0 ? Promise.reject(dbError()) : store.sessions.load(account));
    // Both ways of reading it fail once: in the node's line (a retry) and out of line (a run's first login).
    const flaky: Store = { ...store, sessions: { ...store.sessions, load }, outOfLine: { sessions: { load } } };
    const m = new AccountManager({ ...base, store: flaky, createTransport: () => (transports.push(new FakeTransport()), transports.at(-1)!) });
    await m.startAll();
    await waitUntil(() => m.get(id)!.info().state === 'online', 10_000, 'online after the retry');
    assert.equal(failures, -1, 'the first read failed, the retry read the session');
    assert.ok(await store.sessions.load(id), 'the session is still stored');
    assert.equal(transports[0]!.startCalls.length, 0, 'the failed attempt started no transport');
    assert.equal(transports.at(-1)!.startCalls[0]?.session?.fake, true, 'the retry resumed the saved session');
    await m.stopAll();
  });

  it('stops the transport of an attempt whose write failed after it came up, before the retry starts another', async () => {
    const transports: FakeTransport[] = [];
    let failures = 1;
    // The first write of the account row after the login fails, as a statement on a connection the database ended.
    const flaky: Store = {
      ...store,
      transaction: (fn, o) =>
        store.transaction(
          (tx) =>
            fn({
              ...tx,
              accounts: { ...tx.accounts, update: (...a) => (failures-- > 0 ? Promise.reject(dbError()) : tx.accounts.update(...a)) },
            } satisfies Repos),
          o,
        ),
    };
    const m = new AccountManager({ ...base, store: flaky, createTransport: () => (transports.push(new FakeTransport()), transports.at(-1)!) });
    const bot = await m.add('write fails once');
    await waitUntil(() => transports.length === 2 && bot.info().state === 'online', 10_000, 'online with the second transport');
    assert.equal(transports[0]!.stopped, 1, 'the first transport was stopped: it polls no more beside the second');
    assert.equal(transports[1]!.stopped, 0);
    await m.stopAll();
  });

  for (const when of ['as its launch begins', 'while its plugins load'] as const) {
    it(`a handover ${when} stops the account once launched: it does not run on without its lease`, async () => {
      let held = true;
      const cluster = leaseCluster(() => held);
      // The plugin settings (read before an account can launch) wait until the test lets them through: a busy store.
      let answer!: () => void;
      const answered = new Promise<void>((r) => (answer = r));
      const slow: Store = { ...store, pluginSettings: { ...store.pluginSettings, list: (account) => answered.then(() => store.pluginSettings.list(account)) } };
      const transports: FakeTransport[] = [];
      const m = new AccountManager({ ...base, store: slow, cluster, createTransport: () => (transports.push(new FakeTransport()), transports.at(-1)!) });
      const id = (await m.add(`handed over ${when}`)).id;
      await store.fences.raise(id, 1, 1000);

      const running = m.runHere(id);
      // Only microtasks lie between runHere and its wait for the plugins: one turn of the event loop gets it there.
      if (when === 'while its plugins load') await new Promise((r) => setImmediate(r));
      // The coordinator hands the account over (release, then the lease goes) before its launch got past the store.
      const released = m.release(id).then(() => (held = false));
      answer();
      await Promise.all([running, released]);
      assert.equal(m.runsHere(id), false, 'not run here after the release');
      assert.equal(m.get(id)!.info().state, 'stopped');
      assert.ok(
        transports.every((t) => t.stopped >= t.startCalls.length),
        `no transport left running (starts/stops): ${transports.map((t) => `${t.startCalls.length}/${t.stopped}`).join(' ')}`,
      );
      await m.stopAll();
    });
  }
});
