import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BOT, OWNER, TOKEN, confirmed } from './helpers/scripted-server.js';
import { ScriptedServer } from './helpers/scripted-server.js';
import { client, scriptedSuite } from './helpers/clients.js';
import { isTransportError } from '../../src/transport/errors.js';

const QR = 'ilink/bot/get_bot_qrcode';
const STATUS = 'ilink/bot/get_qrcode_status';

function qrAnswer(id: string) {
  return { body: { qrcode: id, qrcode_img_content: `https://liteapp.weixin.qq.com/q/${id}` } };
}

describe('iLink QR login', () => {
  const s = scriptedSuite();

  function serve(statuses: Record<string, unknown>[]): void {
    let n = 0;
    s.server.on(QR, () => qrAnswer(`qr${++n}`));
    s.server.reply(STATUS, ...statuses.map((body) => ({ body })));
    s.server.on(STATUS, () => ({ body: { status: 'wait' } }));
  }

  it('wait → scaned → confirmed: one QR showing the URL, scanned once, logged in with the token, headers as the official client sends them', async () => {
    serve([{ status: 'wait' }, { status: 'scaned' }, { status: 'scaned' }, confirmed().body as Record<string, unknown>]);
    s.t = client(s.server);
    const qrs: string[] = [];
    let scanned = 0;
    s.t.on('qr', (q) => qrs.push(q.text));
    s.t.on('scanned', () => scanned++);
    await s.t.start();
    assert.deepEqual(qrs, ['https://liteapp.weixin.qq.com/q/qr1']);
    assert.equal(scanned, 1);
    assert.equal(s.t.self?.id, BOT);
    assert.equal(s.t.contacts()[0]?.id, OWNER);
    const create = s.server.calls(QR)[0]!;
    assert.equal(create.method, 'POST');
    assert.equal(create.query.get('bot_type'), '3');
    assert.deepEqual(create.body, { local_token_list: [] });
    assert.equal(create.headers['ilink-app-id'], 'bot');
    assert.equal(create.headers['ilink-app-clientversion'], String((0 << 16) | (1 << 8) | 0));
    assert.match(Buffer.from(String(create.headers['x-wechat-uin']), 'base64').toString(), /^\d+$/);
    assert.equal(s.server.calls(STATUS)[0]!.query.get('qrcode'), 'qr1');
    // After login the token rides every call, with base_info.
    const start = s.server.calls('ilink/bot/msg/notifystart')[0]!;
    assert.equal(start.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(start.headers.authorizationtype, 'ilink_bot_token');
    assert.deepEqual(start.body.base_info, { channel_version: '0.1.0', bot_agent: 'weiroto/0.1.0' });
    const snap = s.t.serialize()!;
    assert.equal(snap.token, TOKEN);
    assert.equal(snap.baseUrl, s.server.origin);
  });

  it('need_verifycode: asks once, a wrong code asks again (retry), the right one is accepted; the code rides the next poll at once', async () => {
    serve([{ status: 'scaned' }, { status: 'need_verifycode' }]);
    s.t = client(s.server);
    const asks: boolean[] = [];
    s.t.on('verify-code', ({ retry }) => {
      asks.push(retry);
      // The server's view of each code: 111 is wrong, 222 is right.
      if (!retry) {
        s.server.reply(STATUS, { body: { status: 'need_verifycode' } });
        s.t!.submitVerifyCode('111');
      } else {
        s.server.reply(STATUS, { body: { status: 'scaned' } }, { body: confirmed().body });
        s.t!.submitVerifyCode('222');
      }
    });
    await s.t.start();
    assert.deepEqual(asks, [false, true]);
    const codes = s.server.calls(STATUS).map((r) => r.query.get('verify_code'));
    assert.ok(codes.includes('111') && codes.includes('222'), `codes sent: ${codes.join(',')}`);
    assert.equal(codes.at(-1), null, 'no code after it was accepted');
    assert.throws(() => s.t!.submitVerifyCode('333'), /No iLink login is waiting/);
  });

  it('expired and verify_code_blocked each start a new QR; after 3 codes the login fails with a clear error', async () => {
    serve([{ status: 'expired' }, { status: 'verify_code_blocked' }, { status: 'expired' }]);
    s.t = client(s.server);
    const qrs: string[] = [];
    const logouts: string[] = [];
    s.t.on('qr', (q) => qrs.push(q.id));
    s.t.on('logout', (l) => logouts.push(l.reason));
    await assert.rejects(s.t.start(), /no QR code was confirmed \(3 codes/);
    assert.deepEqual(qrs, ['qr1', 'qr2', 'qr3']);
    assert.deepEqual(logouts, ['login-failed']);
    s.t = undefined;
  });

  it('a second QR after expiry can still be confirmed', async () => {
    serve([{ status: 'expired' }, { status: 'scaned' }, confirmed().body as Record<string, unknown>]);
    s.t = client(s.server);
    await s.t.start();
    assert.equal(s.server.calls(QR).length, 2);
    assert.equal(s.server.calls(STATUS).at(-1)!.query.get('qrcode'), 'qr2');
  });

  it('scaned_but_redirect moves the poll to the named host; the confirmation is read there', async () => {
    const other = await new ScriptedServer().start();
    try {
      serve([{ status: 'scaned' }, { status: 'scaned_but_redirect', redirect_host: new URL(other.origin).host }]);
      other.reply(STATUS, { body: { status: 'scaned' } }, { body: confirmed().body });
      s.t = client(s.server);
      await s.t.start();
      assert.equal(other.calls(STATUS).length, 2);
      assert.equal(other.calls(STATUS)[0]!.query.get('qrcode'), 'qr1');
    } finally {
      await s.t?.stop();
      s.t = undefined;
      await other.close();
    }
  });

  it('binded_redirect: the user is already bound here — refused with a reason, no token taken', async () => {
    serve([{ status: 'binded_redirect' }]);
    s.t = client(s.server, { localTokens: ['tok-a'] });
    await assert.rejects(s.t.start(), (e: unknown) => isTransportError(e) && e.kind === 'login-refused' && /already bound/.test(e.message));
    assert.deepEqual(s.server.calls(QR)[0]!.body, { local_token_list: ['tok-a'] });
    assert.equal(s.t.serialize(), undefined);
    s.t = undefined;
  });

  it('confirmed without ilink_bot_id fails; baseurl from the confirmation is used for the API', async () => {
    serve([{ status: 'confirmed', bot_token: 'x' }]);
    s.t = client(s.server);
    await assert.rejects(s.t.start(), /without a bot id/);
    s.t = undefined;
    const api = await new ScriptedServer().start();
    try {
      serve([confirmed({ baseurl: api.origin }).body as Record<string, unknown>]);
      s.t = client(s.server);
      await s.t.start();
      assert.equal(api.calls('ilink/bot/msg/notifystart').length, 1);
      assert.equal(s.server.calls('ilink/bot/msg/notifystart').length, 0);
      await s.t.stop();
      s.t = undefined;
    } finally {
      await api.close();
    }
  });

  it('a failed poll (HTTP 524, reset, timeout, garbage) counts as wait', async () => {
    let n = 0;
    s.server.on(QR, () => qrAnswer(`qr${++n}`));
    s.server.reply(STATUS, { status: 524, body: '' }, { reset: true }, { body: '<html>' }, { hang: true });
    // Every poll after those is confirmed: an answer slower than the 200 ms poll timeout (a loaded machine) is one more
    // timed-out poll that counts as wait, and the next poll is confirmed again, so the outcome never depends on speed.
    s.server.on(STATUS, () => confirmed());
    s.t = client(s.server, { qr: { pollIntervalMs: 1, statusTimeoutMs: 200 } });
    await s.t.start();
    assert.equal(s.server.calls(QR).length, 1);
    assert.equal(s.t.self?.id, BOT);
  });
});
