// A web login whose start-up fails right after the phone confirmed (webwxinit answers HTTP 500 once)
// is retried from the credentials it just got: the account comes online without a second QR code.
// Before, the credentials were saved only once online, so the retry showed a new QR and the owner
// had to scan again (at 1,000 accounts on a loaded machine, every lost start-up was a lost account).
// Real sandbox (HTTP, auto scan and confirm), real web transport, real AccountManager and SQLite.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { silentLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { waitUntil } from '../../src/testing/wait.js';
import { FAST } from '../helpers/fast.js';

describe('a start-up failure after the scan keeps the login', () => {
  let dir: string;
  let store: Store;
  let sb: RunningSandbox;
  let manager: AccountManager;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-keep-login-'));
    store = await openTestStore({ dataDir: dir });
    sb = await startSandbox({ autoScanMs: 10, autoConfirmMs: 10, accounts: 1, contacts: 5, rooms: 1, roomSize: 3 });
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => createWebTransport({ endpoint: sb.origin, ...FAST }),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      botPlugins: [],
      reloginDelayMs: 50,
    });
  });
  after(async () => {
    await manager.stopAll();
    await sb.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries webwxinit with the confirmed credentials instead of a new QR', async () => {
    await sb.control.fault({ kind: 'http-500', endpoint: 'webwxinit', count: 1 });
    const bot = await manager.add('one');
    await waitUntil(() => bot.info().state === 'online', 20_000, 'the account online');
    assert.equal(sb.state.counters.faults, 1, 'the first webwxinit failed');
    assert.equal(sb.state.counters.qrsCreated, 1, 'one QR code: the retry resumed the confirmed login');
    assert.equal(sb.state.counters.logins, 1, 'one session on the server');
  });
});
