import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { api, login, raw } from './raw.js';

describe('iLink sandbox: login by QR on the wire (ilink.md §3)', () => {
  let sb: RunningSandbox;
  let origin: string;
  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 200, qrLifetimeMs: 60_000 } });
    origin = sb.origin;
  });
  after(() => sb.close());

  const newQr = async (body: unknown = { local_token_list: [] }): Promise<string> => {
    const r = await raw(origin, '/ilink/bot/get_bot_qrcode?bot_type=3', { body });
    assert.equal(r.status, 200);
    const j = r.json();
    assert.match(j.qrcode as string, /^[0-9a-f]{32}$/);
    assert.equal(j.qrcode_img_content, `${origin}/sandbox/ilink?qrcode=${j.qrcode as string}`);
    return j.qrcode as string;
  };
  const status = async (qr: string, extra = '', host?: string): Promise<Record<string, unknown>> =>
    (await raw(origin, `/ilink/bot/get_qrcode_status?qrcode=${qr}${extra}`, host ? { host } : {})).json();

  it('wait → scaned → confirmed with a token, a bot id, the scanner and the same base url', async () => {
    const qr = await newQr();
    assert.deepEqual(await status(qr), { status: 'wait' });
    await sb.ilink.control.scan({ qrcode: qr });
    assert.deepEqual(await status(qr), { status: 'scaned' });
    await sb.ilink.control.confirm({ qrcode: qr });
    const c = await status(qr);
    assert.equal(c.status, 'confirmed');
    assert.match(c.ilink_bot_id as string, /^[0-9a-f]{12}@im\.bot$/);
    assert.ok((c.bot_token as string).startsWith(`${c.ilink_bot_id as string}:`));
    assert.match(c.ilink_user_id as string, /^o9cq80[A-Za-z0-9_-]{22}@im\.wechat$/);
    assert.match(c.ilink_user_id as string, /[A-Z]/);
    assert.equal(c.baseurl, origin);
    // The token works at once.
    const r = (await api(origin, 'getconfig', c.bot_token as string, { ilink_user_id: c.ilink_user_id })).json();
    assert.equal(r.ret, 0);
  });

  it('GET also creates a QR; another bot_type is accepted, or 400 by switch', async () => {
    const r = await raw(origin, '/ilink/bot/get_bot_qrcode?bot_type=3');
    assert.match(r.json().qrcode as string, /^[0-9a-f]{32}$/);
    assert.equal((await raw(origin, '/ilink/bot/get_bot_qrcode?bot_type=7')).status, 200);
    await sb.ilink.control.setSwitches({ botType: '400' });
    assert.equal((await raw(origin, '/ilink/bot/get_bot_qrcode?bot_type=7')).status, 400);
    await sb.ilink.control.setSwitches({ botType: 'accept' });
  });

  it('need_verifycode: a wrong code asks again, the right one is accepted (scaned), three wrong ones block', async () => {
    const qr = await newQr();
    const scanned = await sb.ilink.control.scan({ qrcode: qr, verify: true });
    assert.match(scanned.verifyCode ?? '', /^\d{6}$/);
    assert.deepEqual(await status(qr), { status: 'need_verifycode' });
    await assert.rejects(sb.ilink.control.confirm({ qrcode: qr }), /verify code/);
    assert.deepEqual(await status(qr, '&verify_code=000000' === `&verify_code=${scanned.verifyCode}` ? '&verify_code=111111' : '&verify_code=000000'), {
      status: 'need_verifycode',
    });
    assert.deepEqual(await status(qr, `&verify_code=${scanned.verifyCode ?? ''}`), { status: 'scaned' });
    // A code when none is pending is ignored.
    assert.deepEqual(await status(qr, '&verify_code=999999'), { status: 'scaned' });
    await sb.ilink.control.confirm({ qrcode: qr });
    assert.equal((await status(qr)).status, 'confirmed');

    const qr2 = await newQr();
    const s2 = await sb.ilink.control.scan({ qrcode: qr2, verify: true });
    const wrong = s2.verifyCode === '123456' ? '654321' : '123456';
    assert.equal((await status(qr2, `&verify_code=${wrong}`)).status, 'need_verifycode');
    assert.equal((await status(qr2, `&verify_code=${wrong}`)).status, 'need_verifycode');
    assert.equal((await status(qr2, `&verify_code=${wrong}`)).status, 'verify_code_blocked');
    assert.equal((await status(qr2, `&verify_code=${s2.verifyCode ?? ''}`)).status, 'verify_code_blocked');
  });

  it('expired after the lifetime on the iLink clock, and for ever after; unknown ids are expired', async () => {
    const qr = await newQr();
    await sb.ilink.control.advanceClock(60_001);
    assert.deepEqual(await status(qr), { status: 'expired' });
    await assert.rejects(sb.ilink.control.scan({ qrcode: qr }), /expired/);
    assert.deepEqual(await status(qr), { status: 'expired' });
    assert.deepEqual(await status('0'.repeat(32)), { status: 'expired' });
  });

  it('redirect: the login host answers scaned_but_redirect once, then wait; the confirmation is seen only on the redirect host', async () => {
    await sb.ilink.control.setSwitches({ redirect: 'wait' });
    try {
      const qr = await newQr();
      assert.deepEqual(await status(qr), { status: 'wait' });
      await sb.ilink.control.scan({ qrcode: qr });
      assert.deepEqual(await status(qr), { status: 'scaned_but_redirect', redirect_host: 'ilinkai-sz.weixin.qq.com' });
      await sb.ilink.control.confirm({ qrcode: qr });
      assert.deepEqual(await status(qr), { status: 'wait' });
      const there = await status(qr, '', 'ilinkai-sz.weixin.qq.com');
      assert.equal(there.status, 'confirmed');
      await sb.ilink.control.setSwitches({ redirect: 'same' });
      const qr2 = await newQr();
      await sb.ilink.control.confirm({ qrcode: qr2 });
      assert.equal((await status(qr2)).status, 'scaned_but_redirect');
      assert.equal((await status(qr2)).status, 'scaned_but_redirect');
    } finally {
      await sb.ilink.control.setSwitches({ redirect: 'off' });
    }
  });

  it('baseurl switch: omitted, or another spelling of this server', async () => {
    await sb.ilink.control.setSwitches({ baseUrl: 'omitted' });
    const a = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode, user: 'new' }));
    assert.equal(a.baseurl, undefined);
    await sb.ilink.control.setSwitches({ baseUrl: 'other' });
    const b = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode, user: 'new' }));
    assert.equal(b.baseurl, origin.replace('127.0.0.1', 'localhost'));
    await sb.ilink.control.setSwitches({ baseUrl: 'same' });
  });

  it('binded_redirect when the QR came with a token already bound to the scanning user; no new token', async () => {
    const first = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode, user: 'new' }));
    const qr = await newQr({ local_token_list: [first.token] });
    await sb.ilink.control.confirm({ qrcode: qr, user: first.userId });
    assert.deepEqual(await status(qr), { status: 'binded_redirect' });
    assert.equal((await api(origin, 'getconfig', first.token, { ilink_user_id: first.userId })).json().ret, 0);
  });

  it('one binding per user: a new confirmation kills the previous token (-14 without ret), rebind after a delay', async () => {
    const a = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode, user: 'new' }));
    const b = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode, user: a.userId }));
    assert.notEqual(a.token, b.token);
    assert.deepEqual((await api(origin, 'getupdates', a.token, { get_updates_buf: '' })).json(), { errcode: -14, errmsg: 'session timeout' });
    assert.equal((await api(origin, 'getupdates', b.token, { get_updates_buf: '' })).json().ret, 0);
    await sb.ilink.control.rebind({ user: a.userId, delayMs: 30_000 });
    assert.equal((await api(origin, 'getupdates', b.token, { get_updates_buf: '' })).json().ret, 0, 'still alive before the delay');
    await sb.ilink.control.advanceClock(30_000);
    await sb.ilink.control.setSwitches({ staleShape: 'ret+errcode' });
    assert.deepEqual((await api(origin, 'getupdates', b.token, { get_updates_buf: '' })).json(), { ret: -14, errcode: -14, errmsg: 'session timeout' });
    await sb.ilink.control.setSwitches({ staleShape: 'errcode-only' });
    const calls = await sb.ilink.control.calls();
    assert.ok(calls.calls.some((c) => c.deadToken && c.endpoint === 'getupdates'));
  });

  it('unknown or missing tokens get -14 at once on every authenticated endpoint', async () => {
    for (const ep of ['getupdates', 'sendmessage', 'getuploadurl', 'getconfig', 'sendtyping', 'msg/notifystart', 'msg/notifystop']) {
      assert.deepEqual((await api(origin, ep, 'nope:123')).json(), { errcode: -14, errmsg: 'session timeout' }, ep);
      assert.deepEqual((await api(origin, ep, undefined)).json(), { errcode: -14, errmsg: 'session timeout' }, ep);
    }
  });

  it('serves only the paths of §2.2: anything else is 404; PUT on the CDN is 404', async () => {
    assert.equal((await raw(origin, '/ilink/bot/nothing', { body: {} })).status, 404);
    assert.equal((await raw(origin, '/ilink/bot/getupdates')).status, 404, 'GET getupdates');
    assert.equal((await raw(origin, '/c2c/upload?encrypted_query_param=x&filekey=y', { method: 'PUT', body: Buffer.alloc(16) })).status, 404);
  });
});
