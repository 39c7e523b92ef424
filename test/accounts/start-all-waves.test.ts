// A restart of many accounts comes up in waves: at most LOGIN_CONCURRENCY accounts are between
// "starting" and their next state at once (the login slots, the one limit every login goes through),
// each slot's next start waits a jitter drawn from the clock, every account resumes its saved session
// (no QR), and stopAll during the waves leaves the rest stopped.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { storeSettled } from '../helpers/store-activity.js';
import { GatedTransport } from '../helpers/gated-transport.js';

const dir = mkdtempSync(join(tmpdir(), 'weiroto-waves-'));
const store = await openTestStore({ dataDir: dir });

describe('AccountManager.startAll: many accounts come up in waves', () => {
  const registry = new PluginRegistry([]);
  const base = { store, log: silentLogger(), pluginRegistry: registry, sendPacing: 'off' as const, botPlugins: [], autoRelogin: false };
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps at most LOGIN_CONCURRENCY starting, jitters each later start, and resumes every saved session', async () => {
    // Seven accounts logged in once (the fake's auto login), their sessions saved, then stopped.
    const first = new AccountManager({ ...base, createTransport: (id) => new FakeTransport({ self: { id: `@self-${id}`, name: id } }) });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await first.add(`account ${i + 1}`)).id);
    await waitUntil(() => ids.every((id) => first.get(id)!.info().state === 'online'), 10_000, 'seven accounts online');
    await first.stopAll();
    for (const id of ids) assert.ok(await store.sessions.load(id), `a saved session for ${id}`);

    const clock = new FakeClock(Date.now());
    // Each start reads its stored session first (a round trip on PostgreSQL): each step of the clock waits for the store.
    clock.settle = storeSettled(store);
    const m = new AccountManager({ ...base, clock, loginConcurrency: 3, startJitterMs: 1000, createTransport: () => new GatedTransport() });
    await m.startAll();
    // The first three logins run (their stored sessions read, then each transport started); the other four wait for a free slot, starting.
    await waitUntil(() => GatedTransport.inFlight === 3, 5000, 'the first wave started');
    const states = (): string[] => ids.map((id) => m.get(id)!.info().state);
    assert.equal(states().filter((s) => s === 'starting').length, 7);
    assert.equal(GatedTransport.gates.length, 3, 'no fourth transport started');

    // One restore finishes: its slot goes to the next account only after the jitter (≤ 1 s of the clock).
    GatedTransport.gates.shift()!();
    await waitUntil(() => states().filter((s) => s === 'online').length === 1, 10_000, 'the first account online');
    await new Promise((r) => setImmediate(r));
    assert.equal(GatedTransport.inFlight, 2, 'no new start before the jitter has passed');
    await clock.advance(1000);
    await waitUntil(() => GatedTransport.inFlight === 3, 10_000, 'the fourth account starting');

    // Let the rest through as they come; never more than three at once.
    while (states().some((s) => s !== 'online')) {
      const gate = GatedTransport.gates.shift();
      if (gate) gate();
      await clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    await m.restored();
    assert.equal(GatedTransport.maxInFlight, 3);
    assert.equal(GatedTransport.qrs, 0, 'every account resumed its saved session: no QR');
    await m.stopAll();
  });

  it("runs a slot's jitter alongside its login: a login longer than the jitter adds no wait", async () => {
    GatedTransport.inFlight = 0;
    GatedTransport.gates = [];
    const clock = new FakeClock(Date.now());
    clock.settle = storeSettled(store);
    const m = new AccountManager({ ...base, clock, loginConcurrency: 1, startJitterMs: 1000, createTransport: () => new GatedTransport() });
    await m.startAll();
    // startAll launches the first slot; its transport starts once the stored session has been read.
    await waitUntil(() => GatedTransport.inFlight === 1, 10_000, 'the first account starting');
    // The login takes longer than any jitter (1 s of the clock); when it ends, the next starts at once.
    await clock.advance(1000);
    GatedTransport.gates.shift()!();
    await waitUntil(() => GatedTransport.inFlight === 1 && GatedTransport.gates.length === 1, 10_000, 'the second account starting with no clock advance');
    // A login shorter than the jitter: the next start still waits out what is left of it.
    GatedTransport.gates.shift()!();
    await waitUntil(() => GatedTransport.inFlight === 0, 10_000, 'the second login ended');
    await new Promise((r) => setImmediate(r));
    assert.equal(GatedTransport.inFlight, 0, 'no start before the jitter from the previous start has passed');
    await clock.advance(1000);
    await waitUntil(() => GatedTransport.inFlight === 1, 10_000, 'the third account starting');
    const stopping = m.stopAll();
    for (const release of GatedTransport.gates.splice(0)) release();
    await stopping;
    await m.restored();
  });

  it('stopAll during the waves leaves the accounts not yet launched stopped', async () => {
    GatedTransport.inFlight = 0;
    GatedTransport.gates = [];
    const ids = (await store.accounts.list()).map((a) => a.id);
    const m = new AccountManager({ ...base, loginConcurrency: 2, startJitterMs: 0, createTransport: () => new GatedTransport() });
    await m.startAll();
    await waitUntil(() => GatedTransport.inFlight === 2, 5000, 'the first wave started');
    const stopping = m.stopAll();
    for (const release of GatedTransport.gates.splice(0)) release();
    await stopping;
    await m.restored();
    assert.deepEqual(
      ids.map((id) => m.get(id)!.info().state),
      ids.map(() => 'stopped'),
    );
    assert.equal(GatedTransport.gates.length, 0, 'no account was launched after stopAll');
  });
});
