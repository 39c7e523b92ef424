/**
 * An idle iLink account costs only its long poll: the sandbox answers every held poll with a new
 * cursor and no message (as the real server does, ilink.md §4.1), and such an answer writes
 * nothing to the store. A message still gets its session (cursor, context token) saved.
 * Through the real AccountManager, Bot and SQLite store; the manager's clock is a FakeClock, so
 * the once-a-second save throttle runs only when the test moves time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { IlinkTransport } from '../../src/ilink/index.js';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { waitUntil } from '../../src/testing/wait.js';
import { PollCount } from '../helpers/poll-count.js';

describe('iLink account at rest', () => {
  let sb: RunningSandbox;
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  const polls = new PollCount();
  const saves: number[] = [];
  const clock = new FakeClock(Date.now());

  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 20, longPollTimeoutMs: 1000, autoConfirmMs: 10 } });
    dir = mkdtempSync(join(tmpdir(), 'weiroto-ilink-idle-'));
    store = openStore({ dataDir: dir });
    // Every session write of the store, counted where the manager makes it.
    const save = store.sessions.save.bind(store.sessions);
    store.sessions.save = (id, snap) => {
      saves.push(polls.n);
      return save(id, snap);
    };
    await store.accounts.create({ name: 'il', id: 'il' });
    manager = new AccountManager({
      store,
      clock,
      log: silentLogger(),
      createTransport: () =>
        polls.watch(new IlinkTransport({ baseUrl: sb.origin, cdnUrl: `${sb.origin}/c2c`, version: '0.1.0', tuning: { chunkGapMs: 0, pollMarginMs: 1000 } })),
      pluginRegistry: await PluginRegistry.load(),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
    });
    await manager.start('il');
    await waitUntil(() => manager.get('il')!.info().state === 'online', 20_000, 'the iLink account online');
  });
  after(async () => {
    await manager.stopAll();
    await sb.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an empty poll writes nothing to the store; a message does', async () => {
    // Login's own saves are done once the first polls have come back.
    await polls.more(2, 'two polls after login');
    await clock.advance(5_000);
    const settled = saves.length;
    await polls.more(10, 'ten empty polls');
    // Past the save throttle's interval: a save asked for by any of those polls would run now.
    await clock.advance(5_000);
    await polls.more(2, 'two more polls');
    assert.equal(saves.length, settled, 'no session write for 12 empty polls (each with a new cursor)');

    // A message moves the session on (cursor, context token): it is saved.
    await sb.ilink.control.sendMessage({ text: 'wake up' });
    await sb.ilink.control.waitForSent((m) => m.decision === 'delivered', { timeoutMs: 15_000 });
    await clock.advance(5_000);
    await waitUntil(() => saves.length > settled, 20_000, 'the session saved after a message');
  });
});
