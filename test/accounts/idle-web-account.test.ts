/**
 * An idle web account costs only its long poll: a synccheck that ends with selector 0 ("nothing
 * new", protocol.md §5.5) is followed by the next synccheck, with no webwxsync and nothing written.
 * Through the real AccountManager, Bot, web client and sandbox (HTTP on 127.0.0.1); writes are
 * seen by a second SQLite connection on the same file (`data_version` moves with every commit made
 * by another connection).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { DATABASE_FILE } from '../../src/store/database.js';
import { openStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { waitUntil } from '../../src/testing/wait.js';
import { FAST } from '../helpers/fast.js';
import { PollCount } from '../helpers/poll-count.js';

describe('web account at rest', () => {
  let sb: RunningSandbox;
  let dir: string;
  let store: Store;
  let watcher: Database.Database;
  let manager: AccountManager;
  const polls = new PollCount();

  before(async () => {
    sb = await startSandbox({ holdMs: 20, autoScanMs: 10, autoConfirmMs: 10, contacts: 8, rooms: 2, roomSize: 4 });
    dir = mkdtempSync(join(tmpdir(), 'weiroto-idle-web-'));
    store = openStore({ dataDir: dir });
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => polls.watch(createWebTransport({ endpoint: sb.origin, ...FAST })),
      pluginRegistry: await PluginRegistry.load(),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
    });
    const { id } = await manager.add('web');
    await waitUntil(() => manager.get(id)!.info().state === 'online', 20_000, 'the web account online');
    watcher = new Database(join(dir, DATABASE_FILE), { readonly: true });
  });
  after(async () => {
    watcher?.close();
    await manager.stopAll();
    await sb.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a synccheck answered "nothing new" calls no webwxsync and writes nothing', async () => {
    // Start-up (address book, session, timeline) is written by the time a few polls came back.
    await polls.more(5, 'five polls after login');
    const version = (): number => watcher.pragma('data_version', { simple: true }) as number;
    const syncs = async (): Promise<number> => (await sb.control.state(false, '0')).counters.syncs ?? NaN;
    const [v0, s0] = [version(), await syncs()];
    await polls.more(15, 'fifteen empty polls');
    assert.equal(await syncs(), s0, 'no webwxsync after a selector-0 synccheck');
    assert.equal(version(), v0, `nothing committed to the database during 15 empty polls`);
  });
});
