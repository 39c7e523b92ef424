/**
 * Web-protocol honesty (issue 15 point 8), through the real path: AccountManager → web-protocol
 * client → web sandbox. A session ended within a minute of login twice in a row, or a login refused
 * with 1203, stops the re-login ladder: the account says why (state and log), `account.logout`
 * carries reason `web-login-blocked`, and no new login is tried. The manager's clock is a fake one,
 * so "within a minute" and the re-login pause are exact.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { WEB_LOGIN_BLOCKED } from '../../src/bot/web-login-guard.js';
import type { BotEvent } from '../../src/bot/types.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { FAST } from '../helpers/fast.js';
import { waitUntil } from '../../src/testing/wait.js';

const RELOGIN_MS = 5000;

describe('web logins WeChat will not keep: the re-login ladder stops', () => {
  let sb: RunningSandbox | undefined;
  let store: Store | undefined;
  let manager: AccountManager | undefined;
  afterEach(async () => {
    await manager?.stopAll();
    store?.close();
    await sb?.close();
  });

  async function setUp(sandbox: Parameters<typeof startSandbox>[0]) {
    sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, ...sandbox });
    store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-guard-')) });
    const clock = new FakeClock(1_000_000);
    let transports = 0;
    const origin = sb.origin;
    manager = new AccountManager({
      store,
      log: silentLogger(),
      clock,
      createTransport: () => {
        transports++;
        return createWebTransport({ endpoint: origin, ...FAST });
      },
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      reloginDelayMs: RELOGIN_MS,
    });
    const events: BotEvent[] = [];
    manager.onEvent((e) => e.type === 'account.logout' && events.push(e));
    const bot = await manager.add('web');
    return { bot, clock, events, transports: () => transports };
  }

  it('1203: stops at once, says what WeChat does and what helps, raises account.logout', async () => {
    const { bot, clock, events, transports } = await setUp({ barredFromWeb: true });
    await waitUntil(() => events.some((e) => (e.data as { reason: string }).reason === WEB_LOGIN_BLOCKED), 20_000, 'the blocked event');
    const info = bot.info();
    assert.equal(info.state, 'failed');
    assert.match(info.detail ?? '', /refused this account's web login \(code 1203\)/);
    assert.match(info.detail ?? '', /iLink account/);
    assert.match(info.detail ?? '', /WECHAT_DESKTOP=true/);
    const blocked = events.find((e) => (e.data as { reason: string }).reason === WEB_LOGIN_BLOCKED)!;
    assert.equal(blocked.transport, 'web');
    const created = transports();
    await clock.advance(RELOGIN_MS * 3);
    assert.equal(transports(), created, 'no new login after 1203');
    assert.equal((await sb!.control.state()).qrcodes.length, 1, 'one QR only');
  });

  it('1102 within a minute of login twice in a row: stops; one early end alone and a long session do not', async () => {
    const { bot, clock, events, transports } = await setUp({});
    await waitUntil(() => bot.info().state === 'online', 20_000, 'online');
    const kick = async (): Promise<void> => {
      const before = events.length;
      await sb!.control.fault({ kind: 'logout-1102' });
      await waitUntil(() => events.length > before, 20_000, 'the logout');
    };
    const relogin = async (): Promise<void> => {
      const n = transports();
      await clock.advance(RELOGIN_MS);
      await waitUntil(() => transports() === n + 1 && bot.info().state === 'online', 20_000, 'the new login');
    };
    // A session that lasted more than a minute: not "at once".
    await clock.advance(61_000);
    await kick();
    await relogin();
    // The first early end: the ladder goes on.
    await kick();
    await relogin();
    assert.ok(!events.some((e) => (e.data as { reason: string }).reason === WEB_LOGIN_BLOCKED));
    // The second early end in a row: it stops.
    await kick();
    await waitUntil(() => events.some((e) => (e.data as { reason: string }).reason === WEB_LOGIN_BLOCKED), 20_000, 'the blocked event');
    assert.equal(bot.info().state, 'failed');
    assert.match(bot.info().detail ?? '', /within a minute of login twice in a row \(code 1102\)/);
    const created = transports();
    await clock.advance(RELOGIN_MS * 3);
    assert.equal(transports(), created, 'no new login after the second early end');
  });
});
