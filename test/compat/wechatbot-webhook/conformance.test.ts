// The wechatbot-webhook HTTP API served by weiroto (COMPAT_WECHATBOT_WEBHOOK_PORT), checked against
// the original's README and docs examples restated as fixtures: status, success, message and task
// counts, on a web account in the sandbox; what arrives in the sandbox is checked too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCompatHarness, startFileServer, TOKEN, until, type CompatHarness } from './harness.js';
import { README_SENDS, QUIRK_SENDS, type SendFixture } from './fixtures.js';

describe('wechatbot-webhook API on a web account (sandbox)', () => {
  let h: CompatHarness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let names: Record<string, string>;
  let friendIds: Record<string, string>;

  const fill = (s: string): string => s.replace(/\{(FRIEND2?|ROOM|FILES)\}/g, (_, k: string) => names[k]!);
  const post = async (path: string, body: string | FormData, token: string | null = TOKEN, headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.origin}${path}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`, {
      method: 'POST',
      headers: typeof body === 'string' ? { 'content-type': 'application/json', ...headers } : headers,
      body,
    });
    const text = await res.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, type: res.headers.get('content-type') ?? '' };
  };
  const get = (path: string) => fetch(`${h.origin}${path}`);

  before(async () => {
    files = await startFileServer();
    h = await startCompatHarness();
    const friends = h.bot.directory.contacts().filter((c) => c.kind === 'friend');
    const unique = friends.filter((f) => friends.filter((g) => g.name === f.name).length === 1);
    const room = h.bot.directory.rooms()[0]!;
    names = { FRIEND: unique[0]!.name, FRIEND2: unique[1]!.name, ROOM: room.topic, FILES: files.origin };
    friendIds = { [unique[0]!.name]: unique[0]!.id };
  });
  after(async () => {
    await h?.close();
    await files?.close();
  });

  const check = async (f: SendFixture) => {
    const r = await post(f.path, fill(f.body));
    assert.equal(r.status, f.status, r.text);
    assert.equal(r.json.success, f.success, r.text);
    assert.equal(r.json.message, f.message);
    if (f.task) {
      const t = r.json.task;
      assert.deepEqual(
        { successCount: t.successCount, totalCount: t.totalCount, failedCount: t.failedCount },
        { successCount: f.task.successCount, totalCount: f.task.totalCount, failedCount: f.task.failedCount },
        r.text,
      );
      assert.equal(t.reject.length, f.task.reject ?? 0);
      assert.equal(t.sentFailed.length, f.task.sentFailed ?? 0);
      assert.equal(t.notFound.length, f.task.notFound ?? 0);
    }
    return r;
  };

  for (const f of README_SENDS) {
    it(f.name, async () => {
      const since = (await h.sb.control.sent({})).next;
      await check(f);
      const sent = (await h.sb.control.sent({ since })).messages;
      const expected = f.task?.successCount ?? 1;
      assert.equal(sent.length, expected, `sent in the sandbox: ${JSON.stringify(sent)}`);
      // Every message went to a chat the fixture names.
      for (const m of sent) assert.ok([names.FRIEND, names.FRIEND2, names.ROOM].includes(m.toName), `unexpected recipient ${m.toName}`);
    });
  }

  it('the $alias names the file and is not sent to the file server', async () => {
    const since = (await h.sb.control.sent({})).next;
    await check(README_SENDS[1]!);
    const [m] = (await h.sb.control.sent({ since })).messages;
    assert.equal(m!.fileName, '1234.jpg');
    assert.equal(m!.type, 'image');
    assert.ok(!files.hits.some((u) => u.includes('alias')), files.hits.join(' '));
  });

  it('several items to one person go out in body order', async () => {
    const since = (await h.sb.control.sent({})).next;
    await check(README_SENDS[3]!);
    const sent = (await h.sb.control.sent({ since })).messages;
    assert.deepEqual(
      sent.map((m) => m.type),
      ['text', 'file'],
    );
    assert.equal(sent[1]!.fileName, 'sample-3s.mp3');
  });

  for (const f of QUIRK_SENDS) {
    it(`quirk: ${f.name}`, async () => {
      const since = (await h.sb.control.sent({})).next;
      const r = await check(f);
      if (f.message.startsWith('Some params')) {
        assert.equal((await h.sb.control.sent({ since })).messages.length, 0, 'nothing is sent when any item is invalid');
        assert.ok(JSON.stringify(r.json.task.reject).match(/必须是|参数类型不是|群名只支持群昵称/), JSON.stringify(r.json.task.reject));
      }
    });
  }

  it('quirk details: reject, notFound and sentFailed entries have the original shapes', async () => {
    const rejected = await post('/webhook/msg/v2', fill(QUIRK_SENDS[0]!.body));
    assert.deepEqual(rejected.json.task.reject, [
      { to: names.FRIEND2, data: [{ error: 'type 必须是 text or fileUrl，content 不能为空', type: 'img', content: '' }] },
    ]);
    const missing = await post('/webhook/msg/v2', `{ "to": "nobody-by-this-name", "data": [{ "content": "a" }] }`);
    assert.deepEqual(missing.json.task.notFound, [{ to: 'nobody-by-this-name', error: 'User is not found', data: [{ content: 'a' }] }]);
    const failed = await post('/webhook/msg/v2', fill(`{ "to": "{FRIEND}", "data": { "type": "fileUrl", "content": "{FILES}/missing.png" } }`));
    assert.deepEqual(failed.json.task.sentFailed, [{ to: names.FRIEND, data: [{ type: 'fileUrl', content: `${files.origin}/missing.png` }] }]);
    const failedArray = await post('/webhook/msg/v2', fill(`{ "to": "{FRIEND}", "data": [{ "type": "fileUrl", "content": "{FILES}/missing.png" }] }`));
    assert.match(failedArray.json.task.sentFailed[0].data[0].error, /^Error: .*404/);
  });

  it('names match as the original: a string is an exact nickname, {alias} an exact remark', async () => {
    const friends = h.bot.directory.contacts().filter((c) => c.kind === 'friend' && c.name !== names.FRIEND);
    const other = friends[friends.length - 1]!;
    // Another friend's remark is FRIEND's nickname: weiroto's own resolver could pick either.
    await h.bot.transport.setRemark(other.id, names.FRIEND!);
    await until('the remark in the directory', () => h.bot.directory.contact(other.id)?.remark === names.FRIEND);
    let since = (await h.sb.control.sent({})).next;
    await post('/webhook/msg/v2', fill(`{ "to": "{FRIEND}", "data": { "content": "by nickname" } }`));
    const wireId = (id: string): string => h.bot.directory.contact(id)!.stableId ?? id;
    assert.equal((await h.sb.control.sent({ since })).messages[0]!.to, wireId(friendIds[names.FRIEND!]!));
    since = (await h.sb.control.sent({})).next;
    const r = await post('/webhook/msg/v2', fill(`{ "to": { "alias": "{FRIEND}" }, "data": { "content": "by remark" } }`));
    assert.equal(r.json.success, true, r.text);
    assert.equal((await h.sb.control.sent({ since })).messages[0]!.to, wireId(other.id));
    const none = await post('/webhook/msg/v2', `{ "to": { "alias": "no such remark" }, "data": { "content": "x" } }`);
    assert.equal(none.json.task.notFound[0].error, 'User is not found');
  });

  it('v1 form upload: one local file, a UTF-8 name sent as Latin-1 is decoded, {alias: x} is read leniently', async () => {
    const since = (await h.sb.control.sent({})).next;
    const form = new FormData();
    form.set('to', names.FRIEND!);
    form.set('isRoom', '0');
    form.set('content', new Blob([Buffer.from('hello file')], { type: 'text/plain' }), '报告.txt');
    const r = await post('/webhook/msg', form);
    assert.deepEqual(r.json, { success: true, message: 'Message sent successfully' });
    const [m] = (await h.sb.control.sent({ since })).messages;
    assert.equal(m!.fileName, '报告.txt');
    assert.equal(m!.type, 'file');

    const empty = new FormData();
    empty.set('to', names.FRIEND!);
    empty.set('content', new Blob([]), 'empty.txt');
    const e = await post('/webhook/msg', empty);
    assert.equal(
      e.json.message,
      '[content 上传的文件不能为空] params  is not valid, please checkout the api reference (https://github.com/danni-cool/wechatbot-webhook#%EF%B8%8F-api)',
    );

    const remarked = h.bot.directory.contacts().find((c) => c.remark);
    assert.ok(remarked, 'a contact with a remark (set by the test above)');
    const byAlias = new FormData();
    byAlias.set('to', `{alias: ${remarked.remark}}`);
    byAlias.set('content', new Blob([Buffer.from('x')]), 'a.txt');
    const a = await post('/webhook/msg', byAlias);
    assert.equal(a.json.success, true, a.text);
  });

  it('lenient JSON: unquoted keys and trailing commas are taken, a real typo is not', async () => {
    const ok = await post('/webhook/msg/v2', fill(`{to: '{FRIEND}', data: [{content: 'single quotes',},],}`));
    assert.equal(ok.json.success, true, ok.text);
    const bad = await post('/webhook/msg/v2', fill(`{"to": "{FRIEND}" "data": {}}`));
    assert.deepEqual(bad.json, { success: false, message: 'request body is not a valid json! checkout please.' });
  });

  it('tokens: the original token or a weiroto API token; anything else is 401 with the original text', async () => {
    const body = fill(`{ "to": "{FRIEND}", "data": { "content": "token check" } }`);
    const none = await post('/webhook/msg/v2', body, null);
    assert.equal(none.status, 401);
    assert.deepEqual(none.json, { success: false, message: 'Unauthorized: Access is denied due to invalid credentials.' });
    assert.equal((await post('/webhook/msg/v2', body, 'wrong')).status, 401);
    const { token } = await h.server.tokens.create('compat');
    const api = await post('/webhook/msg/v2', body, token);
    assert.equal(api.json.success, true, api.text);
    const ro = await h.server.tokens.create('read-only', { readOnly: true });
    assert.equal((await post('/webhook/msg/v2', body, ro.token)).status, 401, 'a read-only token cannot send');
    assert.equal((await get(`/healthz?token=${ro.token}`)).status, 200);
    // The Referer carries the token only for the login page's own requests.
    assert.equal((await fetch(`${h.origin}/healthz`, { headers: { referer: `${h.origin}/login?token=${TOKEN}` } })).status, 401);
  });

  it('login, health, loginCheck and resources while logged in; unknown paths get the plain 404', async () => {
    const self = h.bot.self!;
    assert.deepEqual(await (await get(`/login?token=${TOKEN}`)).json(), { success: true, message: `Contact<${self.remark || self.name}>is already login` });
    const health = await get(`/healthz?token=${TOKEN}`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'healthy');
    assert.deepEqual(await (await get(`/loginCheck?token=${TOKEN}`)).json(), { success: true, message: self.remark || self.name });
    const friend = friendIds[names.FRIEND!]!;
    const avatar = await get(`/resouces?media=${encodeURIComponent(friend)}&token=${TOKEN}`);
    assert.equal(avatar.status, 200);
    assert.ok((await avatar.arrayBuffer()).byteLength > 0);
    const bad = await get(`/resouces?media=&token=${TOKEN}`);
    assert.equal(bad.status, 404);
    assert.deepEqual(await bad.json(), { success: false, message: '获取资源失败' });
    const nf = await get(`/nowhere?token=${TOKEN}`);
    assert.equal(nf.status, 404);
    assert.equal(await nf.text(), '404 Not Found');
    assert.equal((await get('/nowhere')).status, 401, 'the token check comes first, as in the original');
  });

  it('/sse streams the login message once a second (token from the Referer, as the login page sends it)', async () => {
    const ac = new AbortController();
    const res = await fetch(`${h.origin}/sse`, { headers: { referer: `${h.origin}/login?token=${TOKEN}` }, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/event: login/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    assert.match(text, /event: login\ndata: Contact<.+>is already login\n\n/);
  });

  it('logged out: sends answer 401 "you must login first", health is unHealthy, /login shows the QR page', async () => {
    await h.sb.control.phoneLogout({});
    await until('logged out', () => h.bot.info().state !== 'online');
    const r = await post('/webhook/msg/v2', fill(`{ "to": "{FRIEND}", "data": { "content": "x" } }`));
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { success: false, message: 'you must login first' });
    assert.equal(await (await get(`/healthz?token=${TOKEN}`)).text(), 'unHealthy');
    await until('a QR', () => h.bot.info().qr);
    const page = await get(`/login?token=${TOKEN}`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<img id="qr"/);
    assert.match(html, /EventSource\('\/sse'/);
    const check = (await (await get(`/loginCheck?token=${TOKEN}`)).json()) as { success: boolean; message: string };
    assert.equal(check.success, false);
    assert.match(check.message, /^https:\/\/login\.weixin\.qq\.com\/l\//);
  });
});
