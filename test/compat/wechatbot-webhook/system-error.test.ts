// The original's `system_event_error`: a transport error while logged in reaches RECVD_MSG_API as a
// system event `{event: "error", error, user}`. weiroto as `weiroto start` runs it, on an iLink
// account against the sandbox: getupdates fails three times in a row (HTTP 524), which the iLink
// client reports as an error, journalled as `account.error` and posted in the original's format.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { startServer, type RunningServer } from '../../../src/main.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { TOKEN, until } from './harness.js';
import { startReceiver, type Receiver } from './receiver.js';
import { withStoreEnv } from '../../helpers/store.js';

describe('wechatbot-webhook callback: system_event_error (iLink account)', () => {
  let sb: RunningSandbox;
  let server: RunningServer;
  let rx: Receiver;

  before(async () => {
    rx = await startReceiver();
    sb = await startSandbox({ holdMs: 300, contacts: 2, rooms: 0, rateLimits: false, ilink: { pollHoldMs: 300, longPollTimeoutMs: 300 } });
    const config = loadConfig(
      await withStoreEnv({
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'w-compat-error-')),
        BOT_PLUGINS: '',
        SEND_PACING: 'off',
        WECHAT_TRANSPORT: 'ilink',
        ILINK_BASE_URL: sb.origin,
        // The three failures' pauses (2 s each by default) are not what is tested here.
        ILINK_ERROR_PAUSE_MS: '20',
        API_ALLOW_PRIVATE_URLS: 'true',
        COMPAT_WECHATBOT_WEBHOOK_PORT: '0',
        LOGIN_API_TOKEN: TOKEN,
        RECVD_MSG_API: rx.url,
      }),
      { envFile: false },
    );
    server = await startServer({ config, log: silentLogger() });
    await until('an iLink QR', async () => (await sb.ilink.control.state()).qrcodes.length > 0);
    await sb.ilink.control.confirm({});
    await until('the account online', () => server.manager.list()[0]?.state === 'online');
  });
  after(async () => {
    await server?.close();
    await sb?.close();
    await rx?.close();
  });

  it('getupdates failing three times in a row posts system_event_error with the error and the account as user', async () => {
    await until('the login system event', () => rx.got.some((c) => c.fields.type === 'system_event_login'));
    assert.equal(rx.got.filter((c) => c.fields.type === 'system_event_error').length, 0, 'none while all is well');
    await sb.ilink.control.fault({ kind: 'http-524', count: 3, endpoint: 'getupdates' });
    const c = await until('system_event_error', () => rx.got.find((x) => x.fields.type === 'system_event_error'), 30_000);
    assert.deepEqual(c.order, ['source', 'isSystemEvent', 'isMentioned', 'isMsgFromSelf', 'type', 'content']);
    assert.deepEqual([c.fields.isSystemEvent, c.fields.isMentioned, c.fields.isMsgFromSelf], ['1', '0', '0']);
    assert.deepEqual(c.source, { room: {}, to: {}, from: {} });
    const content = JSON.parse(c.fields.content!) as { event: string; error: { name: string; message: string }; user: { id: string } };
    assert.equal(content.event, 'error');
    assert.match(content.error.message, /524/);
    assert.equal(content.user.id, server.manager.get(server.manager.list()[0]!.id)!.self!.id);
    // The account stays online and the callback came once for the one streak.
    assert.equal(server.manager.list()[0]!.state, 'online');
    assert.equal(rx.got.filter((x) => x.fields.type === 'system_event_error').length, 1);
  });
});
