// A cluster node that takes many accounts at once (its share when the nodes start, or a dead node's)
// logs them in LOGIN_CONCURRENCY at a time, as a restart's waves do: 300 logins at once put every one
// of their store calls in one line behind the node's store, where lease renewals and the API waited for
// all of them. An account handed over while it waits for its turn leaves the line at once. Real
// AccountManager and store (the suite's switch), the fenced store of a cluster, a fake transport whose
// session restores wait until the test lets them through.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/index.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { openTestStore } from '../helpers/store.js';
import { leaseCluster } from '../helpers/lease-cluster.js';
import { GatedTransport } from '../helpers/gated-transport.js';

const dir = mkdtempSync(join(tmpdir(), 'weiroto-login-slots-'));
const store = await openTestStore({ dataDir: dir });

describe('a cluster node taking many accounts at once', () => {
  const base = { store, log: silentLogger(), pluginRegistry: new PluginRegistry([]), sendPacing: 'off' as const, botPlugins: [], autoRelogin: false };
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs them in LOGIN_CONCURRENCY at a time from their saved sessions; one handed over while it waits leaves at once', async () => {
    // Seven accounts logged in once (their sessions saved), as a node that ran them before left them.
    const first = new AccountManager({ ...base, createTransport: () => new FakeTransport() });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await first.add(`taken ${i + 1}`)).id);
    await waitUntil(() => ids.every((id) => first.get(id)!.info().state === 'online'), 10_000, 'seven accounts online');
    await first.stopAll();

    GatedTransport.reset();
    const transports = new Map<string, GatedTransport>();
    const transport = (id: string): GatedTransport => (transports.set(id, new GatedTransport()), transports.get(id)!);
    const m = new AccountManager({ ...base, cluster: leaseCluster(() => true), loginConcurrency: 3, createTransport: transport });
    for (const id of ids) await store.fences.raise(id, 1, 1000);
    // The coordinator takes them all in one round: runHere for each, none awaited before the next.
    await Promise.all(ids.map((id) => m.runHere(id)));
    await waitUntil(() => GatedTransport.inFlight === 3, 10_000, 'three logins under way');
    const states = (): string[] => ids.map((id) => m.get(id)!.info().state);
    const online = (): number => states().filter((s) => s === 'online').length;
    assert.deepEqual(
      states(),
      ids.map(() => 'starting'),
      'the other four wait their turn, starting',
    );

    // One of those waiting is handed over: its release does not wait for a turn, and it never logs in here.
    const waiting = ids.find((id) => !transports.get(id)!.began)!;
    await m.release(waiting);
    assert.equal(m.get(waiting)!.info().state, 'stopped');

    // Let the logins through one at a time: each one done gives its turn to the next.
    for (let done = 0; done < ids.length - 1; done++) {
      await waitUntil(() => GatedTransport.gates.length > 0, 10_000, 'a login waiting for the test');
      GatedTransport.gates.shift()!();
      await waitUntil(() => online() === done + 1, 10_000, `${done + 1} accounts online`);
    }
    assert.equal(GatedTransport.maxInFlight, 3, 'never more than three logins at once');
    assert.equal(GatedTransport.qrs, 0, 'every account resumed its saved session');
    assert.equal(m.get(waiting)!.info().state, 'stopped', 'the account handed over stayed stopped');
    await m.stopAll();
  });
});
