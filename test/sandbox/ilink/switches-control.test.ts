import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { parseSandboxArgs } from '../../../src/sandbox/cli.js';
import { ilinkOptionsFrom } from '../../../src/sandbox/ilink/cli-options.js';
import { api, ecbEncrypt, login, raw, textMsg, type Login, BotSession, type WireMsg } from './raw.js';
import { waitUntil } from '../../../src/testing/wait.js';

describe('iLink sandbox: the remaining switches, the control API guard, flags and env', () => {
  let sb: RunningSandbox;
  let origin: string;
  let me: Login;
  let bot: BotSession;
  const poll = (): Promise<WireMsg[]> => bot.poll();
  const speak = (text: string): Promise<WireMsg> => bot.speak(text);
  const sendItems = async (items: unknown[], tok: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const body = textMsg(me.userId, 'x', tok);
    Object.assign(body.msg as object, { item_list: items, ...extra });
    const r = await api(origin, 'sendmessage', me.token, body);
    return r.text ? r.json() : {};
  };

  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 100, uploadParamTtlMs: 60_000 } });
    origin = sb.origin;
    me = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode }));
    bot = new BotSession(origin, sb.ilink.control, me);
  });
  after(() => sb.close());

  it('the control API refuses non-JSON POSTs (415) and other origins (403), accepts its own origin', async () => {
    const post = (headers: Record<string, string>, body = '{"advanceMs":0}'): Promise<Response> =>
      fetch(`${origin}/sandbox/api/ilink/clock`, { method: 'POST', headers, body });
    assert.equal((await post({ 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'advanceMs=0')).status, 415);
    assert.equal((await post({ 'content-type': 'application/json', origin: 'http://evil.example' })).status, 403);
    assert.equal((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await post({ 'content-type': 'application/json', origin })).status, 200);
    assert.equal((await fetch(`${origin}/sandbox/api/ilink/state`, { headers: { origin: 'http://evil.example' } })).status, 403, 'GETs too');
    assert.equal((await post({ 'content-type': 'application/json' }, '{bad')).status, 400);
  });

  it('bad control input gets a clear 400/404/409', async () => {
    await assert.rejects(sb.ilink.control.fault({ kind: 'nope' as 'reset' }), /kind must be one of/);
    await assert.rejects(sb.ilink.control.setSwitches({ cursorMode: 'sideways' as 'server-ack' }), /cursorMode must be one of server-ack, cursor-replay/);
    await assert.rejects(sb.ilink.control.setSwitches({ bogus: 1 } as object), /unknown iLink switch bogus/);
    await assert.rejects(sb.ilink.control.sendMessage({}), /give text/);
    await assert.rejects(sb.ilink.control.sendMessage({ text: 'hi', user: 'new' }), /has no bot bound/);
    await assert.rejects(sb.ilink.control.advanceClock(-5), /advanceMs/);
    await assert.rejects(sb.ilink.control.scan({ qrcode: 'f'.repeat(32) }), /no iLink QR/);
  });

  it('the state view lists users, bots with window and quota, QR codes, counters, headers and switches', async () => {
    await speak('state');
    const st = await sb.ilink.control.state();
    const bot = st.bots.find((b) => b.id === me.botId)!;
    assert.equal(bot.user, me.userId);
    assert.equal(bot.token, me.token);
    assert.equal(bot.window.open, true);
    assert.equal(bot.window.left, 10);
    assert.ok(st.users.some((u) => u.id === me.userId && u.bot === me.botId));
    assert.ok(st.qrcodes.some((q) => q.status === 'confirmed' && q.bot === me.botId));
    assert.ok((st.counters['calls.getupdates'] ?? 0) >= 1);
    assert.equal(st.switches.cursorMode, 'server-ack');
    assert.equal(st.lastHeaders.authorizationType, 'ilink_bot_token');
    assert.match(String(st.lastHeaders.wechatUin), /^\d+$/, 'X-WECHAT-UIN decoded');
  });

  it('requireAppHeaders on: missing or 0 iLink-App-* → -14 on getupdates only', async () => {
    await sb.ilink.control.setSwitches({ requireAppHeaders: 'on' });
    try {
      const bare = await api(origin, 'getupdates', me.token, { get_updates_buf: '' }, { headers: { 'iLink-App-ClientVersion': '0' } });
      assert.equal(bare.json().errcode, -14);
      assert.equal((await api(origin, 'getupdates', me.token, { get_updates_buf: '' })).json().ret, 0);
    } finally {
      await sb.ilink.control.setSwitches({ requireAppHeaders: 'off' });
    }
  });

  it('requireBaseInfo silent-drop, from_user_id set, tool items -3 by switch, GENERATING then FINISH', async () => {
    const m = await speak('misc');
    let since = (await sb.ilink.control.sent()).next;
    await sb.ilink.control.setSwitches({ requireBaseInfo: 'silent-drop' });
    const noBase = await raw(origin, '/ilink/bot/sendmessage', { token: me.token, body: textMsg(me.userId, 'no base', m.context_token) });
    assert.deepEqual(noBase.json(), { ret: 0, errmsg: '' });
    await sb.ilink.control.setSwitches({ requireBaseInfo: 'off' });
    assert.deepEqual(await sendItems([{ type: 1, text_item: { text: 'from set' } }], m.context_token, { from_user_id: me.botId }), { ret: 0, errmsg: '' });
    const drops = (await sb.ilink.control.sent(since)).messages;
    assert.deepEqual(
      drops.map((e) => [e.decision, e.reason]),
      [
        ['refused', 'no base_info (dropped silently)'],
        ['refused', 'from_user_id set (the server drops such sends)'],
      ],
    );
    const tool = [{ type: 11, tool_call_start_item: { tool_name: 'search', tool_call_id: 'c1' } }];
    assert.equal((await sendItems(tool, m.context_token)).ret, 0);
    await sb.ilink.control.setSwitches({ toolItems: 'ret-3' });
    assert.equal((await sendItems(tool, m.context_token)).ret, -3);
    await sb.ilink.control.setSwitches({ toolItems: 'show', generating: 'reject-finish' });
    const text = [{ type: 1, text_item: { text: 'partial' } }];
    assert.equal((await sendItems(text, m.context_token, { client_id: 'gen-1', message_state: 1 })).ret, 0);
    assert.equal((await sendItems(text, m.context_token, { client_id: 'gen-1', message_state: 2 })).ret, -2);
    await sb.ilink.control.setSwitches({ generating: 'merge' });
    since = (await sb.ilink.control.chat()).next;
    await sendItems([{ type: 1, text_item: { text: 'draft' } }], m.context_token, { client_id: 'gen-2', message_state: 1 });
    await sendItems([{ type: 1, text_item: { text: 'final' } }], m.context_token, { client_id: 'gen-2', message_state: 2 });
    const lines = (await sb.ilink.control.chat({ since })).lines.filter((l) => l.id === 'gen-2');
    assert.equal(lines.length, 1, 'merged into one bubble');
    const all = (await sb.ilink.control.chat()).lines.find((l) => l.id === 'gen-2');
    assert.equal(all?.items[0]?.text, 'final');
    await sb.ilink.control.setSwitches({ generating: 'deliver-as-bubble' });
  });

  it('typingCountsQuota on: sendtyping uses the quota', async () => {
    await speak('typing quota');
    const cfg = (await api(origin, 'getconfig', me.token, { ilink_user_id: me.userId })).json();
    await sb.ilink.control.setSwitches({ typingCountsQuota: 'on' });
    await api(origin, 'sendtyping', me.token, { ilink_user_id: me.userId, typing_ticket: cfg.typing_ticket, status: 1 });
    await sb.ilink.control.setSwitches({ typingCountsQuota: 'off' });
    assert.equal((await sb.ilink.control.state()).bots.find((b) => b.id === me.botId)?.window.left, 9);
  });

  it('qrStatusHoldMs: the status poll is held and answered early when the owner scans', async () => {
    // A hold far longer than the test, and the scan only once the poll is held: no race with the hold or the arrival.
    await sb.ilink.control.setSwitches({ qrStatusHoldMs: 600_000 });
    try {
      const qr = (await raw(origin, '/ilink/bot/get_bot_qrcode?bot_type=3', { body: {} })).json().qrcode as string;
      const pending = raw(origin, `/ilink/bot/get_qrcode_status?qrcode=${qr}`);
      const waiters = (): number => sb.ilink.state.qrs.get(qr)?.waiters.size ?? 0;
      await waitUntil(() => waiters() === 1, 10_000, 'the status poll to be held');
      await sb.ilink.control.scan({ qrcode: qr, user: 'new' });
      assert.equal(waiters(), 0, 'the scan answered the held poll at once');
      assert.deepEqual((await pending).json(), { status: 'scaned' });
    } finally {
      await sb.ilink.control.setSwitches({ qrStatusHoldMs: 0 });
    }
  });

  it('stickers: placeholder text, an empty item_list, or dropped', async () => {
    await sb.ilink.control.sendMessage({ type: 'sticker' });
    assert.deepEqual((await poll())[0]?.item_list[0]?.text_item, { text: '[表情]' });
    await sb.ilink.control.setSwitches({ stickers: 'empty-items' });
    await sb.ilink.control.sendMessage({ type: 'sticker' });
    assert.deepEqual((await poll())[0]?.item_list, []);
    await sb.ilink.control.setSwitches({ stickers: 'drop' });
    assert.deepEqual(await sb.ilink.control.sendMessage({ type: 'sticker' }), { messageId: null });
    await sb.ilink.control.setSwitches({ stickers: 'placeholder' });
  });

  it('plainImages: an image without any key, served as plain bytes; fullUrl off drops full_url', async () => {
    await sb.ilink.control.setSwitches({ plainImages: 'on', fullUrl: 'off' });
    const png = randomBytes(64);
    await sb.ilink.control.sendMessage({ image: png.toString('base64') });
    const item = (await poll())[0]!.item_list[0]!.image_item as {
      aeskey?: string;
      media: { aes_key?: string; full_url?: string; encrypt_query_param: string };
    };
    await sb.ilink.control.setSwitches({ plainImages: 'off', fullUrl: 'on' });
    assert.equal(item.aeskey, undefined);
    assert.equal(item.media.aes_key, undefined);
    assert.equal(item.media.full_url, undefined);
    const r = await raw(origin, `/c2c/download?encrypted_query_param=${encodeURIComponent(item.media.encrypt_query_param)}`);
    assert.ok(r.body.equals(png));
  });

  it('form-A keys on outbound media show as grey boxes by switch; an expired upload param is refused', async () => {
    const m = await speak('media switches');
    const plain = Buffer.from('a picture');
    const key = randomBytes(16);
    const filekey = randomBytes(16).toString('hex');
    const ask = async (): Promise<string> =>
      (
        await api(origin, 'getuploadurl', me.token, {
          filekey,
          media_type: 1,
          to_user_id: me.userId,
          rawsize: plain.length,
          rawfilemd5: createHash('md5').update(plain).digest('hex'),
          filesize: 16,
          no_need_thumb: true,
          aeskey: key.toString('hex'),
        })
      ).json().upload_param as string;
    const p = await ask();
    const up = await raw(origin, `/c2c/upload?encrypted_query_param=${encodeURIComponent(p)}&filekey=${filekey}`, { body: ecbEncrypt(plain, key) });
    const param = up.headers['x-encrypted-param'] as string;
    const image = (aesKey: string): unknown[] => [
      { type: 2, image_item: { media: { encrypt_query_param: param, aes_key: aesKey, encrypt_type: 1 }, mid_size: 16 } },
    ];
    await sb.ilink.control.setSwitches({ formA: 'grey-box' });
    let since = (await sb.ilink.control.sent()).next;
    await sendItems(image(key.toString('base64')), m.context_token);
    assert.match((await sb.ilink.control.sent(since)).messages[0]?.items[0]?.problem ?? '', /form A/);
    await sb.ilink.control.setSwitches({ formA: 'accept' });
    since = (await sb.ilink.control.sent()).next;
    await sendItems(image(key.toString('base64')), m.context_token);
    assert.equal((await sb.ilink.control.sent(since)).messages[0]?.items[0]?.problem, undefined);
    const late = await ask();
    await sb.ilink.control.advanceClock(60_001);
    const expired = await raw(origin, `/c2c/upload?encrypted_query_param=${encodeURIComponent(late)}&filekey=${filekey}`, { body: ecbEncrypt(plain, key) });
    assert.equal(expired.status, 400);
    assert.match(String(expired.headers['x-error-message']), /expired/);
  });

  it('flags and env set options and switches (a flag wins); bad values are clear errors', () => {
    const o = parseSandboxArgs([
      '--ilink-poll-hold-ms',
      '1000',
      '--ilink-cursor-mode',
      'cursor-replay',
      '--ilink-rate-limit',
      '4/480000/1800000',
      '--ilink-verify-code',
      'on',
    ]);
    assert.notEqual(o, 'help');
    assert.deepEqual((o as { ilink?: unknown }).ilink, {
      pollHoldMs: 1000,
      cursorMode: 'cursor-replay',
      rateLimit: { max: 4, perMs: 480_000, cooldownMs: 1_800_000 },
      verifyCode: true,
    });
    assert.deepEqual(
      ilinkOptionsFrom({ 'ilink-quota': '5' }, { SANDBOX_ILINK_QUOTA: '7', SANDBOX_ILINK_MISSING_TOKEN: 'ret-3', SANDBOX_ILINK_WINDOW_ERRMSG: '' }),
      { quota: 5, missingToken: 'ret-3', windowErrmsg: '' },
    );
    assert.throws(() => parseSandboxArgs(['--ilink-cursor-mode', 'sideways']), /cursorMode must be one of/);
    assert.throws(() => parseSandboxArgs(['--ilink-quota', 'ten']), /--ilink-quota needs a whole number/);
    assert.throws(() => ilinkOptionsFrom({}, { SANDBOX_ILINK_RATE_LIMIT: '4 per 8 min' }), /SANDBOX_ILINK_RATE_LIMIT must be off or MAX\/PER_MS\/COOLDOWN_MS/);
  });
});
