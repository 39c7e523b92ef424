// A handover (SIGTERM in a cluster) of an account whose launch still loads its queued sends. A node that has just
// taken hundreds of accounts has their queue loads waiting behind its store calls; a halt used to wait for its
// account's launch, so none of them was released within the shutdown limit (bench/cluster/leave.bench.ts).
// Now the halt stops what runs at once (the launch's late queue start starts no worker), and the iLink transport,
// whose account goes on elsewhere, does not tell the server the bot went away (its next holder says it is there).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { IlinkTransport } from '../../src/ilink/index.js';
import { openTestStore } from '../helpers/store.js';
import { leaseCluster } from '../helpers/lease-cluster.js';

const WAIT = 60_000;

describe('a handover while the account still loads its queue', () => {
  let sb: RunningSandbox;
  let store: Store;
  let dir: string;
  const managers: AccountManager[] = [];

  before(async () => {
    sb = await startSandbox({
      accounts: 1,
      contacts: 1,
      officials: 0,
      rooms: 0,
      rateLimits: false,
      ilink: { pollHoldMs: 200, longPollTimeoutMs: 1000, autoConfirmMs: 10 },
    });
    dir = mkdtempSync(join(tmpdir(), 'w-halt-launching-'));
    store = await openTestStore({ dataDir: dir });
  });
  after(async () => {
    for (const m of managers) await m.stopAll();
    await sb.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The store with the last call of the queue's load (the rows waiting for the user; a read, so not in a fenced
   * transaction) held until `open()`, then answered by `answer`.
   */
  function queueLoadHeld(answer: Store['outbound']['held']): { held: Store; reads: () => number; open: () => void } {
    let reads = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const held: Store = {
      ...store,
      outbound: {
        ...store.outbound,
        held: async (account) => {
          reads++;
          await gate;
          return answer(account);
        },
      },
    };
    return { held, reads: () => reads, open };
  }

  /** A node holding the account while `held()`, on `s` (the store, or a copy with a call held). */
  function node(s: Store, held: () => boolean): AccountManager {
    const m = new AccountManager({
      store: s,
      cluster: leaseCluster(held),
      log: silentLogger(),
      createTransport: (id) =>
        new IlinkTransport({
          baseUrl: sb.origin,
          cdnUrl: `${sb.origin}/c2c`,
          version: '0.1.0',
          seen: store.seenKeys(id),
          tuning: { errorPauseMs: 20, longPauseMs: 50, chunkGapMs: 0, pollMarginMs: 1000 },
          qr: { pollIntervalMs: 20 },
        }),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      autoRelogin: false,
    });
    managers.push(m);
    return m;
  }

  it('stops and releases at once; the late queue start sends nothing, and the server is not told the bot left', async () => {
    const id = (await store.accounts.create({ name: 'moving', transport: 'ilink' })).id;
    await store.fences.raise(id, 1, 1000);
    let holder: 'a' | 'b' | 'nobody' = 'a';
    // Node a binds the account (QR) and hands it over: its session stored for the next holder.
    const a = node(store, () => holder === 'a');
    await a.runHere(id);
    await waitUntil(() => a.get(id)?.info().state === 'online', WAIT, 'online on node a');
    const owner = [...sb.ilink.state.bots.values()].at(-1)!;
    await sb.ilink.control.sendMessage({ user: owner.userId, text: 'hello' });
    await waitUntil(async () => (await store.messages.list(id)).items.some((m) => m.text === 'hello'), WAIT, 'the owner’s message stored');
    await a.release(id);
    assert.equal(owner.notify, 'started', 'a handover sends no notifystop');
    // A send queued while nobody runs the account: node b's start loads it, behind a store call held here.
    const queued = (await store.outbound.enqueue({ id: 'o-queued', account: id, chatId: owner.userId, type: 'text', text: 'queued', createdAt: Date.now() }))
      .record;
    const { held, reads, open } = queueLoadHeld((account) => store.outbound.held(account));
    holder = 'b';
    const b = node(held, () => holder === 'b');
    const running = b.runHere(id);
    await waitUntil(() => b.get(id)?.info().state === 'online' && reads() === 1, WAIT, 'online on node b, its queue loading');
    // Before, the release waited for the launch, which waited here for the gate: it never came back.
    const released = b.release(id).then(() => 'released' as const);
    const deadline = new AbortController();
    const outcome = await Promise.race([
      released,
      sleep(WAIT, 'still waiting for the queue load' as const, { signal: deadline.signal }).catch(() => 'ended' as const),
    ]);
    deadline.abort();
    assert.equal(outcome, 'released', 'released while its queue still loads');
    assert.equal(b.get(id)?.info().state, 'stopped');
    assert.equal(owner.notify, 'started', 'the server was not told the bot went away');
    holder = 'nobody';
    open();
    await running;
    // The load ends after the stop and starts no worker (test/bot/outbound-queue.test.ts, "a stop while its rows
    // load…"): the row stays queued for the next holder.
    assert.equal((await store.outbound.get(queued.id))!.status, 'queued');
  });

  it('a handover whose received message is still being stored sends no notifystop, however long the store takes', async () => {
    const id = (await store.accounts.create({ name: 'storing', transport: 'ilink' })).id;
    await store.fences.raise(id, 1, 1000);
    let holding = false;
    let writes = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    // The store with its transactions (the message's write) held while `holding`: the halt's drain waits for them.
    const slow: Store = {
      ...store,
      transaction: async (fn, options) => {
        if (holding) {
          writes++;
          await gate;
        }
        return store.transaction(fn, options);
      },
    };
    const d = node(slow, () => true);
    await d.runHere(id);
    await waitUntil(() => d.get(id)?.info().state === 'online', WAIT, 'online');
    const owner = [...sb.ilink.state.bots.values()].at(-1)!;
    holding = true;
    await sb.ilink.control.sendMessage({ user: owner.userId, text: 'stored slowly' });
    await waitUntil(() => writes > 0, WAIT, 'the message’s write held');
    const released = d.release(id);
    // The transport's stop (its poll ended, ~200 ms) ends well before the drain does: before, that stop, begun by the
    // start signal's abort as a plain stop, said notifystop before the halt could say it was a handover.
    await sleep(1500);
    holding = false;
    open();
    await released;
    assert.equal(owner.notify, 'started', 'a handover sends no notifystop');
  });

  it('a queue load that fails after the halt (the store closed under it at a shutdown) is no failure of the launch', async () => {
    const id = (await store.accounts.create({ name: 'closing', transport: 'ilink' })).id;
    await store.fences.raise(id, 1, 1000);
    const { held: closing, reads, open: fail } = queueLoadHeld(() => Promise.reject(new Error('the store is closed')));
    let holds = true;
    const c = node(closing, () => holds);
    const running = c.runHere(id);
    await waitUntil(() => reads() === 1, WAIT, 'its queue loading');
    await c.release(id);
    holds = false;
    fail();
    // Before, the halted launch rethrew the load's error: "could not start the account" at every such shutdown.
    await assert.doesNotReject(running);
    assert.equal(c.get(id)?.info().state, 'stopped');
  });
});
