import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { api, ecbDecrypt, ecbEncrypt, login, raw, textMsg, type Login, BotSession, type WireMsg } from './raw.js';
import { waitUntil } from '../../../src/testing/wait.js';

describe('iLink sandbox: faults, media through the CDN, TLS on the real host names', () => {
  let sb: RunningSandbox;
  let origin: string;
  let me: Login;
  let bot: BotSession;
  const poll = (): Promise<WireMsg[]> => bot.poll();
  const speak = (text: string): Promise<WireMsg> => bot.speak(text);
  before(async () => {
    sb = await startSandbox({ tlsPort: 0, ilink: { pollHoldMs: 100 } });
    origin = sb.origin;
    me = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode }));
    bot = new BotSession(origin, sb.ilink.control, me);
  });
  after(() => sb.close());

  it('send faults: ret-2-window, ret-2-quota, ret-2-rate, ret-3, empty-200 — each answered once, never delivered', async () => {
    const m = await speak('faults');
    const tok = m.context_token as string;
    const expected: [string, unknown][] = [
      ['ret-2-window', { ret: -2, errmsg: 'prepare failed' }],
      ['ret-2-quota', { ret: -2, errmsg: 'prepare failed' }],
      ['ret-2-rate', { ret: -2, errmsg: 'rate limited' }],
      ['ret-3', { ret: -3, errmsg: 'invalid arguments' }],
      ['empty-200', ''],
    ];
    for (const [kind, body] of expected) {
      await sb.ilink.control.fault({ kind: kind as 'ret-3' });
      const since = (await sb.ilink.control.sent()).next;
      const r = await api(origin, 'sendmessage', me.token, textMsg(me.userId, kind, tok));
      assert.equal(r.status, 200);
      if (body === '') assert.equal(r.text, '', kind);
      else assert.deepEqual(r.json(), body, kind);
      const e = (await sb.ilink.control.sent(since)).messages[0]!;
      assert.equal(e.decision, 'refused', kind);
      assert.equal(e.reason, `fault ${kind}`);
      assert.equal((await api(origin, 'sendmessage', me.token, textMsg(me.userId, `${kind} retry`, tok))).json().ret, 0, `${kind} once`);
    }
  });

  it('stale-14 kills the token: every later call gets -14 and is counted as a dead-token call', async () => {
    const victim = await login(origin, (qrcode) => sb.ilink.control.confirm({ qrcode, user: 'new' }));
    await sb.ilink.control.fault({ kind: 'stale-14', user: victim.userId });
    assert.deepEqual((await api(origin, 'getupdates', victim.token, { get_updates_buf: '' })).json(), { errcode: -14, errmsg: 'session timeout' });
    const st = await sb.ilink.control.state();
    assert.equal(st.bots.find((b) => b.id === victim.botId)?.death?.reason, 'stale-14');
    assert.ok((st.counters.deadTokenCalls ?? 0) >= 1);
  });

  it('a held poll of a token that dies is answered -14 at once', async () => {
    // Its own sandbox with a hold far longer than the test: the revoke must meet a poll that is still held.
    const own = await startSandbox({ ilink: { pollHoldMs: 600_000 } });
    try {
      const victim = await login(own.origin, (qrcode) => own.ilink.control.confirm({ qrcode, user: 'new' }));
      const held = api(own.origin, 'getupdates', victim.token, { get_updates_buf: '' });
      const heldPolls = (): number => [...own.ilink.state.bots.values()].reduce((n, b) => n + b.held.length, 0);
      await waitUntil(() => heldPolls() === 1, 10_000, 'the poll to be held');
      await own.ilink.control.revoke({ user: victim.userId });
      assert.equal((await held).json().errcode, -14);
    } finally {
      await own.close();
    }
  });

  it('transport faults: http-524, garbage, reset, timeout (on the named endpoint)', async () => {
    await sb.ilink.control.fault({ kind: 'http-524', endpoint: 'getupdates', ms: 20 });
    const r524 = await api(origin, 'getupdates', me.token, { get_updates_buf: bot.cursor });
    assert.equal(r524.status, 524);
    await sb.ilink.control.fault({ kind: 'garbage', endpoint: 'getupdates' });
    const g = await api(origin, 'getupdates', me.token, { get_updates_buf: bot.cursor });
    assert.equal(g.status, 200);
    assert.throws(() => g.json());
    await sb.ilink.control.fault({ kind: 'reset', endpoint: 'sendmessage' });
    await assert.rejects(api(origin, 'sendmessage', me.token, textMsg(me.userId, 'x', 'y')), /socket hang up|ECONNRESET/);
    await sb.ilink.control.fault({ kind: 'timeout', endpoint: 'getupdates', ms: 60_000 });
    await assert.rejects(api(origin, 'getupdates', me.token, { get_updates_buf: bot.cursor }, { timeoutMs: 200 }), /client timeout/);
    assert.equal((await api(origin, 'getupdates', me.token, { get_updates_buf: bot.cursor })).json().ret, 0, 'next call is normal');
  });

  it('duplicate faults: redelivery with the same id, a new id (same seq, ref_msg toggled), no id; late-redelivery', async () => {
    const copiesOf = async (kind: 'duplicate' | 'duplicate-new-id' | 'duplicate-no-id', text: string): Promise<[WireMsg, WireMsg]> => {
      await sb.ilink.control.fault({ kind });
      const first = await speak(text);
      const again = (await poll()).filter((x) => x.item_list[0]?.text_item?.text === text);
      assert.equal(again.length, 1, kind);
      return [first, again[0]!];
    };
    const [a, a2] = await copiesOf('duplicate', 'dup same');
    assert.deepEqual(a2, a);
    const [b, b2] = await copiesOf('duplicate-new-id', 'dup new');
    assert.notEqual(String(b2.message_id), String(b.message_id));
    assert.equal(b2.seq, b.seq);
    assert.equal('ref_msg' in (b2.item_list[0] as object), !('ref_msg' in (b.item_list[0] as object)));
    const [c, c2] = await copiesOf('duplicate-no-id', 'dup none');
    assert.equal(c2.message_id, undefined);
    assert.equal(c2.seq, c.seq);
    const late = await sb.ilink.control.fault({ kind: 'late-redelivery' });
    assert.equal(late.redelivered, 1);
    const [d] = await poll();
    assert.equal(String(d?.message_id), String(c.message_id));
  });

  it('duplicates switch: every user message comes again after the delay', async () => {
    await sb.ilink.control.setSwitches({ duplicates: 'same-id', duplicateDelayMs: 20 });
    try {
      const m = await speak('auto dup');
      const again = (await poll()).filter((x) => x.item_list[0]?.text_item?.text === 'auto dup');
      assert.equal(String(again[0]?.message_id), String(m.message_id));
    } finally {
      await sb.ilink.control.setSwitches({ duplicates: 'off' });
    }
  });

  /** Upload `plain` the official way (§7.2–7.3); returns the download param and the key. */
  const upload = async (plain: Buffer, mediaType: number): Promise<{ param: string; key: Buffer; cipher: Buffer }> => {
    const key = randomBytes(16);
    const cipher = ecbEncrypt(plain, key);
    const filekey = randomBytes(16).toString('hex');
    const u = (
      await api(origin, 'getuploadurl', me.token, {
        filekey,
        media_type: mediaType,
        to_user_id: me.userId,
        rawsize: plain.length,
        rawfilemd5: createHash('md5').update(plain).digest('hex'),
        filesize: cipher.length,
        no_need_thumb: true,
        aeskey: key.toString('hex'),
      })
    ).json();
    assert.equal(typeof u.upload_param, 'string');
    assert.equal(u.upload_full_url, `${origin}/c2c/upload?encrypted_query_param=${encodeURIComponent(u.upload_param as string)}&filekey=${filekey}`);
    const up = await raw(origin, `/c2c/upload?encrypted_query_param=${encodeURIComponent(u.upload_param as string)}&filekey=${filekey}`, {
      body: cipher,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(up.status, 200, String(up.headers['x-error-message']));
    const param = up.headers['x-encrypted-param'] as string;
    assert.ok(param);
    const again = await raw(origin, `/c2c/upload?encrypted_query_param=${encodeURIComponent(u.upload_param as string)}&filekey=${filekey}`, { body: cipher });
    assert.equal(again.status, 400, 'a used upload param is refused');
    return { param, key, cipher };
  };

  it('outbound media: getuploadurl → CDN upload → sendmessage; the phone sees the bytes exactly', async () => {
    const m = await speak('send me a file');
    for (const size of [0, 15, 16, 12345]) {
      const plain = randomBytes(size);
      const { param, key, cipher } = await upload(plain, 3);
      const since = (await sb.ilink.control.sent()).next;
      const formB = Buffer.from(key.toString('hex')).toString('base64');
      const item = {
        type: 4,
        file_item: { media: { encrypt_query_param: param, aes_key: formB, encrypt_type: 1 }, file_name: `f${size}.bin`, len: String(size) },
      };
      const r = await api(origin, 'sendmessage', me.token, {
        msg: { ...(textMsg(me.userId, 'x', m.context_token as string).msg as object), item_list: [item] },
      });
      assert.equal(r.json().ret, 0);
      const e = (await sb.ilink.control.sent(since)).messages[0]!;
      assert.equal(e.items[0]?.type, 'file');
      assert.equal(e.items[0]?.problem, undefined);
      assert.equal(e.items[0]?.size, size);
      assert.equal(cipher.length, Math.floor(size / 16) * 16 + 16);
      assert.ok((await sb.ilink.control.media(e.items[0]!.media!)).equals(plain), `byte-exact ${size}`);
    }
    // A wrong key shows as a grey box; an unknown param is -3.
    const { param } = await upload(Buffer.from('hello, ilink'), 1);
    const since = (await sb.ilink.control.sent()).next;
    const wrong = Buffer.from(randomBytes(16).toString('hex')).toString('base64');
    const img = { type: 2, image_item: { media: { encrypt_query_param: param, aes_key: wrong, encrypt_type: 1 }, mid_size: 16 } };
    assert.equal(
      (await api(origin, 'sendmessage', me.token, { msg: { ...(textMsg(me.userId, 'x', m.context_token as string).msg as object), item_list: [img] } })).json()
        .ret,
      0,
    );
    assert.match((await sb.ilink.control.sent(since)).messages[0]?.items[0]?.problem ?? '', /does not match/);
    const unknown = { type: 2, image_item: { media: { encrypt_query_param: 'nope', aes_key: wrong } } };
    assert.equal(
      (
        await api(origin, 'sendmessage', me.token, { msg: { ...(textMsg(me.userId, 'x', m.context_token as string).msg as object), item_list: [unknown] } })
      ).json().ret,
      -3,
    );
  });

  it('getuploadurl checks filesize, keys and media_type; the CDN refuses bad bodies with x-error-message; cdn faults', async () => {
    const bad = await api(origin, 'getuploadurl', me.token, {
      filekey: 'x',
      media_type: 1,
      to_user_id: me.userId,
      rawsize: 12,
      rawfilemd5: '0'.repeat(32),
      filesize: 12,
      aeskey: '0'.repeat(32),
    });
    assert.equal(bad.json().ret, -3);
    const plain = Buffer.from('hello, ilink');
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const cipher = ecbEncrypt(plain, key);
    assert.equal(cipher.toString('hex'), 'f49bff8ac66addb64bfa573dff66fcae', 'the test vector of §7.1');
    const ask = async (): Promise<string> =>
      (
        await api(origin, 'getuploadurl', me.token, {
          filekey: 'a'.repeat(32),
          media_type: 3,
          to_user_id: me.userId,
          rawsize: 12,
          rawfilemd5: '622cc193aa12f0a68622916c6324e58e',
          filesize: 16,
          no_need_thumb: true,
          aeskey: key.toString('hex'),
        })
      ).json().upload_param as string;
    const url = (p: string): string => `/c2c/upload?encrypted_query_param=${encodeURIComponent(p)}&filekey=${'a'.repeat(32)}`;
    const wrongBody = await raw(origin, url(await ask()), { body: Buffer.alloc(16) });
    assert.equal(wrongBody.status, 400);
    assert.match(String(wrongBody.headers['x-error-message']), /decrypt|match/);
    const otherBytes = await raw(origin, url(await ask()), { body: ecbEncrypt(Buffer.from('hello, ILINK'), key) });
    assert.equal(otherBytes.status, 400, 'right key and size, other bytes: the MD5 differs');
    assert.match(String(otherBytes.headers['x-error-message']), /rawfilemd5/);
    await sb.ilink.control.fault({ kind: 'cdn-500' });
    assert.equal((await raw(origin, url(await ask()), { body: cipher })).status, 500);
    await sb.ilink.control.fault({ kind: 'cdn-no-param' });
    const noParam = await raw(origin, url(await ask()), { body: cipher });
    assert.equal(noParam.status, 200);
    assert.equal(noParam.headers['x-encrypted-param'], undefined);
  });

  it('inbound media: image (hex aeskey + form A), file/voice (form B, transcript), video; full_url downloads ciphertext', async () => {
    const png = randomBytes(300);
    const pdf = randomBytes(1000);
    await sb.ilink.control.sendMessage({ image: png.toString('base64') });
    await sb.ilink.control.sendMessage({ file: pdf.toString('base64'), fileName: 'doc.pdf' });
    await sb.ilink.control.sendMessage({ type: 'voice', transcript: 'remind me at five', playtime: 3400 });
    await sb.ilink.control.sendMessage({ type: 'video' });
    const msgs = await poll();
    assert.equal(msgs.length, 4);
    const [img, file, voice, video] = msgs.map((m) => m.item_list[0]!);
    const fetchPlain = async (payload: Record<string, unknown>, key: Buffer): Promise<Buffer> => {
      const media = payload.media as { encrypt_query_param: string; full_url: string };
      assert.equal(media.full_url, `${origin}/c2c/download?encrypted_query_param=${encodeURIComponent(media.encrypt_query_param)}`);
      const r = await raw(origin, new URL(media.full_url).pathname + new URL(media.full_url).search);
      assert.equal(r.status, 200);
      return ecbDecrypt(r.body, key);
    };
    const ii = img!.image_item as Record<string, unknown>;
    const hexKey = Buffer.from(ii.aeskey as string, 'hex');
    assert.ok(Buffer.from((ii.media as { aes_key: string }).aes_key, 'base64').equals(hexKey), 'form A = base64 of the raw key');
    assert.ok((await fetchPlain(ii, hexKey)).equals(png));
    const fi = file!.file_item as Record<string, unknown>;
    const fkey = Buffer.from(Buffer.from((fi.media as { aes_key: string }).aes_key, 'base64').toString('ascii'), 'hex');
    assert.ok((await fetchPlain(fi, fkey)).equals(pdf));
    assert.equal(fi.len, '1000');
    assert.equal(fi.file_name, 'doc.pdf');
    const vi = voice!.voice_item as Record<string, unknown>;
    assert.equal(vi.encode_type, 6);
    assert.equal(vi.sample_rate, 24000);
    assert.equal(vi.playtime, 3400);
    assert.equal(vi.text, 'remind me at five');
    const vkey = Buffer.from(Buffer.from((vi.media as { aes_key: string }).aes_key, 'base64').toString('ascii'), 'hex');
    assert.ok((await fetchPlain(vi, vkey)).subarray(0, 10).equals(Buffer.from('\x02#!SILK_V3', 'latin1')));
    assert.equal(video!.type, 5);
  });

  it('TLS: the real host names answer with the test CA (API, CDN) and name real hosts in their answers', async () => {
    const ca = await readFile(sb.caCertPath!, 'utf8');
    const tls = `https://127.0.0.1:${sb.tlsPort!}`;
    const o = { ca, host: 'ilinkai.weixin.qq.com', servername: 'ilinkai.weixin.qq.com' };
    const qr = (await raw(tls, '/ilink/bot/get_bot_qrcode?bot_type=3', { ...o, body: { local_token_list: [] } })).json();
    await sb.ilink.control.confirm({ qrcode: qr.qrcode as string, user: 'new' });
    const c = (await raw(tls, `/ilink/bot/get_qrcode_status?qrcode=${qr.qrcode as string}`, o)).json();
    assert.equal(c.status, 'confirmed');
    assert.equal(c.baseurl, 'https://ilinkai.weixin.qq.com');
    const u = (
      await raw(tls, '/ilink/bot/getuploadurl', {
        ...o,
        token: c.bot_token as string,
        body: {
          filekey: 'b'.repeat(32),
          media_type: 3,
          to_user_id: c.ilink_user_id,
          rawsize: 1,
          rawfilemd5: createHash('md5').update('x').digest('hex'),
          filesize: 16,
          aeskey: 'c'.repeat(32),
        },
      })
    ).json();
    assert.match(u.upload_full_url as string, /^https:\/\/novac2c\.cdn\.weixin\.qq\.com\/c2c\/upload\?/);
    const cdn = { ca, host: 'novac2c.cdn.weixin.qq.com', servername: 'novac2c.cdn.weixin.qq.com' };
    const up = await raw(tls, `/c2c/upload?encrypted_query_param=${encodeURIComponent(u.upload_param as string)}&filekey=${'b'.repeat(32)}`, {
      ...cdn,
      body: ecbEncrypt(Buffer.from('x'), Buffer.from('c'.repeat(32), 'hex')),
    });
    assert.equal(up.status, 200);
    // The CDN host serves only the CDN.
    assert.equal((await raw(tls, '/ilink/bot/getupdates', { ...cdn, body: {} })).status, 404);
  });
});
