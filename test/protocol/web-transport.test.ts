import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logoutTypeFor } from '../../src/protocol/api-errors.js';
import { isTransportError } from '../../src/transport/errors.js';
import type { Message } from '../../src/transport/model.js';
import { FakeClock } from '../../src/util/clock.js';
import { happyRoutes, json, OK, rawMsg, SELF, syncBody } from './helpers/fake-wechat.js';
import { sessionPerTest } from './helpers/session-per-test.js';
import { waitUntil as until } from '../../src/testing/wait.js';

/** A webwxlogout answer that never comes while the test runs (the fake drops its timer on close). */
const HELD_FOR_THE_WHOLE_TEST = 10 * 60_000;

const sessions = sessionPerTest();

describe('createWebTransport(): login and start-up', () => {
  it('408 → 201 → 200 → newloginpage 301 → init → contacts → ready, through the endpoint', async () => {
    const { fake, transport } = await sessions.open(happyRoutes());
    const seen: string[] = [];
    transport.on('qr', (q) => seen.push(`qr:${q.text}:${q.dataUrl.slice(0, 22)}`));
    transport.on('scanned', (s) => seen.push(`scanned:${s.avatar}`));
    transport.on('login', (l) => seen.push(`login:${l.self.name}`));
    transport.on('ready', (r) => seen.push(`ready:${r.contacts}:${r.rooms}`));
    await transport.start();
    assert.deepEqual(seen, [
      'qr:https://login.weixin.qq.com/l/4dcaWx3uBw==:data:image/png;base64,',
      'scanned:data:img/jpg;base64,AAAA',
      'login:Me',
      'ready:4:1',
    ]);
    // tip=1 on the first poll only.
    const polls = fake.seen.filter((r) => r.endpoint === 'login').map((r) => r.query.get('tip'));
    assert.deepEqual(polls, ['1', '0', '0']);
    // Hosts come from redirect_uri; cookies set for .wx2.qq.com reach webpush.
    const nlp = fake.seen.find((r) => r.endpoint === 'webwxnewloginpage')!;
    assert.equal(nlp.host, 'wx2.qq.com');
    assert.equal(nlp.query.get('fun'), 'new');
    assert.equal(nlp.query.get('version'), 'v2');
    await until(() => fake.count('synccheck') > 0);
    const sc = fake.seen.find((r) => r.endpoint === 'synccheck')!;
    assert.equal(sc.host, 'webpush.wx2.qq.com');
    assert.match(sc.cookie, /wxsid=PsWd4FvKROR5EVcG/);
    assert.match(sc.cookie, /webwx_data_ticket=gSeBbuhX/);
    // SyncCheckKey of the first sync (base 1200) is used for synccheck, not SyncKey.
    assert.match(sc.query.get('synckey') ?? '', /^1_1200\|2_1201/);
    // getcontact followed Seq; the room got its members by batchgetcontact.
    assert.deepEqual(
      fake.seen.filter((r) => r.endpoint === 'webwxgetcontact').map((r) => r.query.get('seq')),
      ['0', '77'],
    );
    const room = transport.room('@@room1');
    assert.equal(room?.members.length, 2);
    assert.equal(transport.self?.id, SELF);
    const snap = transport.serialize();
    assert.ok(snap && typeof snap === 'object');
  });

  it("newloginpage ret 1203 → login-refused with WeChat's text, no second QR", async () => {
    const routes = happyRoutes();
    routes.login = () => ({
      body: 'window.code=200;\nwindow.redirect_uri="https://wx.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=T&uuid=U&lang=zh_CN&scan=1";',
    });
    routes.webwxnewloginpage = () => ({ body: '<error><ret>1203</ret><message>当前登录环境异常。</message></error>' });
    const { fake, transport } = await sessions.open(routes);
    const logouts: unknown[] = [];
    transport.on('logout', (l) => logouts.push(l));
    await assert.rejects(
      transport.start(),
      (e: unknown) => isTransportError(e) && e.kind === 'login-refused' && e.code === 1203 && /当前登录环境异常/.test(e.message) && /desktop/.test(e.message),
    );
    assert.equal(fake.count('jslogin'), 1);
    assert.equal((logouts[0] as { reason: string }).reason, 'login-failed');
  });

  it('expired QR codes are renewed up to maxQrCodes, then a clear error', async () => {
    const routes = happyRoutes();
    routes.login = (_r, n) => ({ body: n % 2 ? 'window.code=400;' : 'window.code=202;' });
    const { fake, transport } = await sessions.open(routes, { maxQrCodes: 3 });
    let qrs = 0;
    transport.on('qr', () => qrs++);
    await assert.rejects(transport.start(), (e: unknown) => isTransportError(e) && /3 QR codes/.test(e.message));
    assert.equal(qrs, 3);
    assert.equal(fake.count('jslogin'), 3);
  });

  it('desktop mode sends mod=desktop and the UOS headers', async () => {
    const { fake, transport } = await sessions.open(happyRoutes(), { desktop: true });
    await transport.start();
    const js = fake.seen.find((r) => r.endpoint === 'jslogin')!;
    assert.match(js.query.get('redirect_uri') ?? '', /mod=desktop/);
    const nlp = fake.seen.find((r) => r.endpoint === 'webwxnewloginpage')!;
    assert.equal(nlp.query.get('mod'), 'desktop');
    assert.equal(nlp.headers['client-version'], '2.0.0');
    assert.ok(String(nlp.headers.extspam).startsWith('Go8FCIkFEokFCggwMDAwMDAwMRAG'));
  });
});

describe('createWebTransport(): sync loop', () => {
  it('dispatches messages once (dedupe by MsgId), keeps 64-bit ids, fetches unknown senders first', async () => {
    const routes = happyRoutes();
    let checks = 0;
    routes.synccheck = () =>
      ++checks <= 3 ? { body: 'window.synccheck={retcode:"0",selector:"2"}' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 50 };
    // The same message arrives in two syncs (retried delivery); a stranger writes too.
    routes.webwxsync = (_r, n) =>
      n === 1 ? syncBody([], 200) : syncBody([rawMsg('179242112323992762', '@alice', 'hi'), rawMsg('5', '@stranger', 'yo')], 200 + n);
    const batch = routes.webwxbatchgetcontact!;
    routes.webwxbatchgetcontact = (r, n) =>
      r.body.includes('@stranger')
        ? json({ BaseResponse: OK, Count: 1, ContactList: [{ UserName: '@stranger', NickName: 'Stranger', ContactFlag: 0 }] })
        : batch(r, n);
    const { transport } = await sessions.open(routes);
    const msgs: Message[] = [];
    transport.on('message', (m) => msgs.push(m));
    await transport.start();
    await until(() => checks > 3);
    assert.deepEqual(msgs.map((m) => m.id).sort(), ['179242112323992762', '5']);
    const s = msgs.find((m) => m.id === '5')!;
    assert.equal(s.senderName, 'Stranger');
    assert.equal(transport.contact('@stranger')?.kind, 'stranger');
  });

  it('synccheck sends r, skey, sid, uin, deviceid, synckey and _ in that order, with the skey a webwxsync rotated', async () => {
    const routes = happyRoutes();
    routes.synccheck = (_r, n) =>
      n === 2 ? { body: 'window.synccheck={retcode:"0",selector:"2"}' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 30 };
    routes.webwxsync = (_r, n) => syncBody([], 200 + n, n > 1 ? { SKey: '@crypt_cc_dd' } : {});
    const { fake, transport } = await sessions.open(routes);
    await transport.start();
    await until(() => fake.count('synccheck') >= 3);
    const checks = fake.seen.filter((r) => r.endpoint === 'synccheck');
    for (const sc of checks) {
      assert.deepEqual([...sc.query.keys()], ['r', 'skey', 'sid', 'uin', 'deviceid', 'synckey', '_']);
      assert.equal(sc.query.get('r'), sc.query.get('_'));
      assert.match(sc.query.get('deviceid') ?? '', /^e\d{15}$/);
      assert.equal(sc.query.get('sid'), 'PsWd4FvKROR5EVcG');
      assert.equal(sc.query.get('uin'), '155217200');
    }
    assert.deepEqual(
      checks.slice(0, 3).map((sc) => sc.query.get('skey')),
      ['@crypt_aa_bb', '@crypt_aa_bb', '@crypt_cc_dd'],
    );
  });

  for (const [code, reason] of [
    [1100, 'phone-logout'],
    [1101, 'kicked'],
    [1102, 'kicked'],
  ] as const) {
    it(`synccheck retcode ${code} → logout ${reason} at once`, async () => {
      const routes = happyRoutes();
      routes.synccheck = () => ({ body: `window.synccheck={retcode:"${code}",selector:"0"}` });
      // A clock that never moves: the logout cannot sit behind a back-off or a pause, and the one synccheck is all there is.
      const { fake, transport } = await sessions.open(routes, { clock: new FakeClock(Date.now()) });
      const got = new Promise<{ reason: string; code?: number }>((ok) => transport.on('logout', ok));
      await transport.start();
      const l = await got;
      assert.equal(l.reason, reason);
      assert.equal(l.code, code);
      assert.equal(fake.count('synccheck'), 1);
    });
  }

  it('webwxsync BaseResponse 1101 → logout kicked', async () => {
    const routes = happyRoutes();
    routes.synccheck = () => ({ body: 'window.synccheck={retcode:"0",selector:"2"}' });
    routes.webwxsync = (_r, n) => (n === 1 ? syncBody([], 200) : json({ BaseResponse: { Ret: 1101, ErrMsg: '' } }));
    const { transport } = await sessions.open(routes);
    const got = new Promise<{ reason: string; code?: number }>((ok) => transport.on('logout', ok));
    await transport.start();
    assert.deepEqual(await got, { reason: 'kicked', code: 1101, message: 'webwxsync: session ended (Ret 1101)' });
  });

  it('garbage and HTTP 500 back off on the clock with growing delays, then recover', async () => {
    const routes = happyRoutes();
    routes.synccheck = (_r, n) =>
      n === 1 ? { body: '<html>garbage' } : n === 2 ? { status: 500, body: 'oops' } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 50 };
    const clock = new FakeClock(1_700_000_000_000);
    const { fake, transport } = await sessions.open(routes, { clock, sync: { backoffBaseMs: 1000, backoffMaxMs: 8000 } });
    const beats: number[] = [];
    transport.on('heartbeat', (h) => beats.push(h.at));
    await transport.start();
    await until(() => fake.count('synccheck') === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.count('synccheck'), 1, 'no retry before the back-off delay');
    await clock.advance(2000);
    await until(() => fake.count('synccheck') === 2);
    await new Promise((r) => setTimeout(r, 50));
    await clock.advance(400);
    assert.equal(fake.count('synccheck'), 2, 'second delay is longer');
    await clock.advance(4000);
    await until(() => beats.length > 0);
  });
});

describe('createWebTransport(): watchdog and keep-alive', () => {
  it('a hung synccheck is aborted by the watchdog on the session clock, then the loop goes on', async () => {
    const routes = happyRoutes();
    routes.synccheck = (_r, n) =>
      n === 1 ? { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 60_000 } : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 30 };
    const clock = new FakeClock(1_700_000_000_000);
    const { fake, transport } = await sessions.open(routes, {
      clock,
      timeouts: { syncCheck: 50_000 },
      sync: { watchdogSlackMs: 1000, backoffBaseMs: 100, backoffMaxMs: 100 },
    });
    await transport.start();
    await until(() => fake.count('synccheck') === 1);
    await clock.advance(50_000);
    assert.equal(fake.count('synccheck'), 1, 'not before the watchdog time');
    await clock.advance(1_000); // watchdog fires: cycle aborted
    await clock.advance(200); // back-off
    await until(() => fake.count('synccheck') >= 2);
  });

  it('a synccheck that hangs after a slow webwxsync is aborted at its own deadline, not at the webwxsync one', async () => {
    // Each answer below is held until the test lets it go, so the session clock can move meanwhile.
    const held: Record<string, () => void> = {};
    const hold = (name: string, body: string): Promise<{ body: string }> => new Promise((ok) => (held[name] = () => ok({ body })));
    const routes = happyRoutes();
    const sync = routes.webwxsync!;
    routes.synccheck = (_r, n) =>
      n === 1
        ? hold('check', 'window.synccheck={retcode:"0",selector:"2"}')
        : { body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: n === 2 ? HELD_FOR_THE_WHOLE_TEST : 30 };
    routes.webwxsync = async (r, n) => (n === 1 ? sync(r, n) : { body: (await hold('sync', (await sync(r, n)).body!.toString())).body });
    const clock = new FakeClock(1_700_000_000_000);
    const { fake, transport } = await sessions.open(routes, {
      clock,
      timeouts: { syncCheck: 50_000, sync: 100_000 },
      sync: { watchdogSlackMs: 1000, backoffBaseMs: 100, backoffMaxMs: 100 },
    });
    await transport.start();
    await until(() => held.check !== undefined); // first check armed at 0 s (deadline 51 s)
    await clock.advance(30_000);
    held.check!(); // selector 2 at 30 s: the webwxsync is armed until 131 s
    await until(() => held.sync !== undefined);
    await clock.advance(22_000); // 52 s: the watchdog wakes for the check's deadline and sleeps on to the sync's
    held.sync!(); // the next check is armed at 52 s (deadline 103 s) and hangs
    await until(() => fake.count('synccheck') === 2);
    await clock.advance(50_000);
    assert.equal(fake.count('synccheck'), 2, 'not before the synccheck deadline');
    await clock.advance(1_000); // 103 s: the watchdog fires
    await clock.advance(200); // back-off
    await until(() => fake.count('synccheck') >= 3);
  });

  it('keep-alive re-sends statusnotify on the clock and posts nothing visible unless configured', async () => {
    const routes = happyRoutes();
    const clock = new FakeClock(1_700_000_000_000);
    const { fake, transport } = await sessions.open(routes, { clock, keepAlive: { intervalMs: 60_000 } });
    await transport.start();
    const before = fake.count('webwxstatusnotify');
    await clock.advance(60_000);
    await until(() => fake.count('webwxstatusnotify') === before + 1);
    assert.equal(fake.count('webwxsendmsg'), 0);
  });
});

describe('createWebTransport(): sends', () => {
  it('text returns MsgID; ids unique in one ms; 1205 → rate-limited', async () => {
    const routes = happyRoutes();
    let n = 0;
    routes.webwxsendmsg = (r) => {
      const body = JSON.parse(r.body.toString()) as { Msg: { Content: string; ClientMsgId: string; LocalID: string } };
      if (body.Msg.Content === 'limit') return json({ BaseResponse: { Ret: 1205, ErrMsg: '' }, MsgID: '', LocalID: '' });
      return json({ BaseResponse: OK, MsgID: `9000000000000000${++n}`, LocalID: body.Msg.LocalID });
    };
    const clock = new FakeClock(1_700_000_000_000);
    const { transport } = await sessions.open(routes, { clock });
    const started = transport.start();
    await started;
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => transport.sendText('@alice', `m${i}`)));
    assert.equal(new Set(sent.map((s) => s.clientId)).size, 20);
    assert.ok(sent.every((s) => /^\d{17}$/.test(s.clientId)));
    assert.ok(sent.every((s) => s.id.startsWith('9000000000000000')));
    await assert.rejects(transport.sendText('@alice', 'limit'), (e: unknown) => isTransportError(e) && e.kind === 'rate-limited' && e.code === 1205);
  });

  it('a 1.2 MB file goes in 3 chunks to the file host, each with cookies and webwx_data_ticket', async () => {
    const routes = happyRoutes();
    routes.webwxuploadmedia = (r) => {
      const s = r.body.toString('latin1');
      const chunk = /name="chunk"\r\n\r\n(\d+)/.exec(s)?.[1];
      return json({
        BaseResponse: OK,
        MediaId: chunk === '2' ? '@crypt_media' : '',
        StartPos: 0,
        CDNThumbImgHeight: 0,
        CDNThumbImgWidth: 0,
        EncryFileName: 'a%2Ebin',
      });
    };
    routes.webwxsendappmsg = (r) => {
      const body = JSON.parse(r.body.toString()) as { Msg: { Type: number; Content: string } };
      assert.equal(body.Msg.Type, 6);
      assert.match(body.Msg.Content, /<attachid>@crypt_media<\/attachid>/);
      assert.match(body.Msg.Content, /<totallen>1200000<\/totallen>/);
      return json({ BaseResponse: OK, MsgID: '123', LocalID: '1' });
    };
    const { fake, transport } = await sessions.open(routes);
    await transport.start();
    const sent = await transport.sendFile('@alice', { name: 'a.bin', data: Buffer.alloc(1_200_000, 7) });
    assert.equal(sent.id, '123');
    const ups = fake.seen.filter((r) => r.endpoint === 'webwxuploadmedia');
    assert.equal(ups.length, 3);
    for (const u of ups) {
      assert.equal(u.host, 'file.wx2.qq.com');
      assert.match(u.cookie, /webwx_data_ticket=gSeBbuhX/);
      assert.match(u.body.toString('latin1'), /name="webwx_data_ticket"\r\n\r\ngSeBbuhX/);
      assert.match(u.body.toString('latin1'), /name="chunks"\r\n\r\n3/);
    }
  });
});

describe('createWebTransport(): webwxlogout after the session ended', () => {
  it('webwxsync Ret 1101 → type=1; stop() cuts a hanging webwxlogout short', async () => {
    const routes = happyRoutes();
    routes.synccheck = () => ({ body: 'window.synccheck={retcode:"0",selector:"2"}' });
    routes.webwxsync = (_r, n) => (n === 1 ? syncBody([], 200) : json({ BaseResponse: { Ret: 1101, ErrMsg: '' } }));
    routes.webwxlogout = () => ({ body: '', delayMs: HELD_FOR_THE_WHOLE_TEST });
    const { fake, transport: t } = await sessions.open(routes);
    const ended = new Promise<void>((ok) => t.on('logout', () => ok()));
    await t.start();
    await ended;
    await until(() => fake.count('webwxlogout') === 1);
    assert.equal(fake.seen.find((r) => r.endpoint === 'webwxlogout')!.query.get('type'), '1');
    let stopped = false;
    void t.stop().then(() => (stopped = true));
    await until(() => stopped, 10_000, 'stop() to return while the webwxlogout answer is still held');
  });

  it('a logout listener that stops at once: no hang, no second logout event', async () => {
    const routes = happyRoutes();
    routes.synccheck = () => ({ body: 'window.synccheck={retcode:"1102",selector:"0"}' });
    routes.webwxlogout = () => ({ body: '', delayMs: HELD_FOR_THE_WHOLE_TEST });
    const { transport: t } = await sessions.open(routes);
    let events = 0;
    let stopped = false;
    t.on('logout', () => {
      events++;
      void t.stop().then(() => (stopped = true));
    });
    await t.start();
    await until(() => stopped, 10_000, 'stop() (called in the logout listener) to return while the webwxlogout answer is still held');
    assert.equal(events, 1);
  });

  it('webwxsync Ret 1100 → type=0 with the form fields sid and uin', async () => {
    const routes = happyRoutes();
    routes.synccheck = () => ({ body: 'window.synccheck={retcode:"0",selector:"2"}' });
    routes.webwxsync = (_r, n) => (n === 1 ? syncBody([], 200) : json({ BaseResponse: { Ret: 1100, ErrMsg: '' } }));
    const { fake, transport } = await sessions.open(routes);
    await transport.start();
    await until(() => fake.count('webwxlogout') === 1);
    const bye = fake.seen.find((r) => r.endpoint === 'webwxlogout')!;
    assert.equal(bye.query.get('type'), '0');
    assert.equal(bye.query.get('skey'), '@crypt_aa_bb');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(bye.body.toString())), { sid: 'PsWd4FvKROR5EVcG', uin: '155217200' });
  });

  it('logoutTypeFor: 1 after 1101/1102/1205, else 0', () => {
    assert.deepEqual(
      [1100, 1101, 1102, 1205, undefined, 0].map((c) => logoutTypeFor(c)),
      [0, 1, 1, 1, 0, 0],
    );
  });
});
