import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { RawClient } from './raw-client.js';
import { waitUntil } from '../../src/testing/wait.js';

/** Resolves once the sandbox holds a login poll for `uuid` (the poll reached it and is waiting). */
async function heldPoll(sb: RunningSandbox, uuid: string): Promise<void> {
  await waitUntil(() => (sb.state.qrs.get(uuid)?.waiters.size ?? 0) > 0, 5000, `a held login poll for ${uuid}`);
}

describe('sandbox login endpoints (wire format)', () => {
  let sb: RunningSandbox;
  before(async () => {
    sb = await startSandbox({ holdMs: 200, qrLifetimeMs: 60_000 });
  });
  after(async () => {
    await sb.close();
  });

  it('jslogin answers the exact JS body on GET and POST', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${sb.origin}/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN&_=1`, {
        method,
        headers: { 'x-wechat-host': 'login.wx.qq.com' },
      });
      const body = await res.text();
      assert.match(body, /^window\.QRLogin\.code = 200; window\.QRLogin\.uuid = "[A-Za-z0-9_-]{10}==";$/);
    }
  });

  it('serves a PNG QR and the /l/ payload page', async () => {
    const c = new RawClient(sb.origin);
    await c.jslogin();
    const png = await fetch(`${sb.origin}/qrcode/${c.uuid}`);
    assert.equal(png.headers.get('content-type'), 'image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    const l = await fetch(`${sb.origin}/l/${c.uuid}`);
    assert.equal(l.status, 200);
    assert.match(await l.text(), /sandbox phone page/);
  });

  it('holds the poll then 408; scan → 201 with avatar; tip=1 answers 201 at once; confirm → 200 + redirect_uri', async () => {
    const c = new RawClient(sb.origin);
    await c.jslogin();
    const t0 = Date.now();
    assert.equal(await c.poll(1), 'window.code=408;');
    assert.ok(Date.now() - t0 >= 180, 'the poll was held');
    const held = c.poll(0);
    await heldPoll(sb, c.uuid);
    await sb.control.scan({ uuid: c.uuid });
    assert.match(await held, /^window\.code=201;window\.userAvatar = 'data:img\/jpg;base64,[A-Za-z0-9+/=]+';$/);
    // Nothing changes after the scan, so a held poll would end in 408: a 201 shows tip=1 was answered at once.
    assert.match(await c.poll(1), /^window\.code=201;/);
    assert.equal(await c.poll(0), 'window.code=408;');
    await sb.control.confirm({ uuid: c.uuid });
    const body = await c.poll(0);
    assert.match(
      body,
      /^window\.code=200;\nwindow\.redirect_uri="https:\/\/wx2\.qq\.com\/cgi-bin\/mmwebwx-bin\/webwxnewloginpage\?ticket=[^&]+@qrticket_0&uuid=[^&]+&lang=zh_CN&scan=\d+";$/,
    );
  });

  it('newloginpage: XML + cookies for the family domain, ticket single-use', async () => {
    const c = new RawClient(sb.origin);
    await c.jslogin();
    await sb.control.scan({ uuid: c.uuid });
    await sb.control.confirm({ uuid: c.uuid });
    const redirect = /redirect_uri="([^"]+)"/.exec(await c.poll(0))?.[1] as string;
    const r = await c.newLoginPage(redirect);
    assert.equal(r.status, 200);
    assert.match(
      r.text,
      /^<error><ret>0<\/ret><message><\/message><skey>@crypt_[0-9a-f]{8}_[0-9a-f]{32}<\/skey><wxsid>[A-Za-z0-9+/]{16}<\/wxsid><wxuin>\d+<\/wxuin><pass_ticket>[^<]+%[^<]+<\/pass_ticket><isgrayscale>1<\/isgrayscale><\/error>$/,
    );
    const cookies = r.headers.getSetCookie();
    for (const name of ['wxuin', 'wxsid', 'webwx_data_ticket', 'webwx_auth_ticket', 'webwxuvid', 'wxloadtime', 'mm_lang']) {
      const line = cookies.find((l) => l.startsWith(`${name}=`));
      assert.ok(line, `cookie ${name}`);
      assert.match(line, /Domain=\.wx2\.qq\.com; Path=\//);
    }
    const again = await fetch(sb.origin + new URL(redirect).pathname + new URL(redirect).search, { headers: { 'x-wechat-host': 'wx2.qq.com' } });
    assert.match(await again.text(), /^<error><ret>1<\/ret>/);
  });

  it('desktop mode answers 301 without Location, body and cookies intact', async () => {
    const c = new RawClient(sb.origin);
    const r0 = await c.request('login.wx.qq.com', '/jslogin?appid=x&fun=new&redirect_uri=https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?mod=desktop');
    c.uuid = /uuid = "([^"]+)"/.exec(r0.text)?.[1] as string;
    await sb.control.scan({ uuid: c.uuid });
    await sb.control.confirm({ uuid: c.uuid });
    const redirect = /redirect_uri="([^"]+)"/.exec(await c.poll(0))?.[1] as string;
    const r = await c.newLoginPage(redirect);
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), null);
    assert.match(r.text, /<ret>0<\/ret>/);
    assert.ok(r.headers.getSetCookie().some((l) => l.startsWith('wxsid=')));
  });

  it('cancel → 202', async () => {
    const c = new RawClient(sb.origin);
    await c.jslogin();
    await sb.control.scan({ uuid: c.uuid });
    await c.poll(0);
    await sb.control.cancel({ uuid: c.uuid });
    assert.equal(await c.poll(0), 'window.code=202;');
  });

  it('a QR that expires during a held poll answers 400 at expiry, and every later poll 400', async () => {
    const long = await startSandbox({ holdMs: 30_000, qrLifetimeMs: 600_000 });
    try {
      const c = new RawClient(long.origin);
      await c.jslogin();
      const held = c.poll(0);
      await heldPoll(long, c.uuid);
      await long.control.expire({ uuid: c.uuid });
      // The expiry answers held polls as it happens (before the control call returns), not at the end of their hold.
      assert.equal(long.state.qrs.get(c.uuid)?.waiters.size, 0, 'the expiry answered the held poll');
      assert.equal(await held, 'window.code=400;');
      assert.equal(await c.poll(1), 'window.code=400;');
      await assert.rejects(long.control.scan({ uuid: c.uuid }), /expired, not waiting/);
    } finally {
      await long.close();
    }
  });

  it('a QR expires by itself when its lifetime is up: the poll answers 400 whether it was held or came late', async () => {
    // The expiry is a timer of the QR's own, so a poll held when it fires is woken with 400 (as by expire() above) and a
    // poll that comes later gets 400 at once: nothing here depends on how fast the machine is.
    const short = await startSandbox({ holdMs: 30_000, qrLifetimeMs: 50 });
    try {
      const d = new RawClient(short.origin);
      await d.jslogin();
      assert.equal(await d.poll(0), 'window.code=400;');
      assert.equal(short.state.qrs.get(d.uuid)?.status, 'expired', "the QR's expiry timer fired");
    } finally {
      await short.close();
    }
  });

  it('barred accounts get 1203 unless desktop mode with the UOS headers', async () => {
    const barred = await startSandbox({ holdMs: 200, barredFromWeb: true, lang: 'en_US' });
    try {
      const c = new RawClient(barred.origin);
      await c.jslogin();
      await barred.control.scan({ uuid: c.uuid });
      await barred.control.confirm({ uuid: c.uuid });
      const redirect = /redirect_uri="([^"]+)"/.exec(await c.poll(0))?.[1] as string;
      const r = await c.newLoginPage(redirect.replace('lang=zh_CN', 'lang=en_US'));
      assert.match(r.text, /^<error><ret>1203<\/ret><message>For account security/);
      assert.equal(r.headers.getSetCookie().length, 0);
    } finally {
      await barred.close();
    }
  });

  it('push login needs the device cookies and goes straight to "waiting for confirm"', async () => {
    const c = new RawClient(sb.origin);
    await c.login(sb.control);
    const bad = new RawClient(sb.origin);
    const r1 = await bad.request('wx2.qq.com', `/cgi-bin/mmwebwx-bin/webwxpushloginurl?uin=${c.uin}`);
    assert.deepEqual(r1.json(), { ret: '1', msg: 'args error' });
    const r2 = await c.request('wx2.qq.com', `/cgi-bin/mmwebwx-bin/webwxpushloginurl?uin=${c.uin}`);
    const j = r2.json() as unknown as { ret: string; msg: string; uuid: string };
    assert.equal(j.ret, '0');
    assert.equal(j.msg, 'all ok');
    c.uuid = j.uuid;
    assert.match(await c.poll(1), /^window\.code=201;/);
    await sb.control.confirm({ uuid: j.uuid });
    assert.match(await c.poll(0), /^window\.code=200;/);
  });
});
