/**
 * HTML and script in nicknames, group names, greetings and messages are shown as text on every
 * page: a hostile contact, room and message travel through the real protocol into the panel.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, eventually, startPanelStack, type PanelStack } from './helpers/panel-stack.js';

const EVIL = `<img src=x onerror="alert('xss')"><script>alert(1)</script>`;
const RAW = [/<img src=x onerror/i, /<script>alert\(1\)/i];

describe('hostile names and messages are escaped everywhere', () => {
  let stack: PanelStack;
  let c: Client;
  let account = '';
  let roomId = '';
  let friendId = '';

  before(async () => {
    stack = await startPanelStack({ adminPassword: 'admin password 1' });
    c = new Client(stack.url);
    await c.get('/login');
    await c.post('/login', { username: 'admin', password: 'admin password 1' });
    await c.get('/accounts');
    const added = await c.post('/accounts', { name: `Shop ${EVIL}` });
    account = /\/accounts\/([^/]+)\/login/.exec(added.location ?? '')![1]!;
    await eventually(() => stack.manager.get(account)?.info().state === 'waiting-scan', 10_000, 'QR');
    await stack.sb.control.scan();
    await stack.sb.control.confirm();
    await eventually(() => stack.manager.get(account)?.info().state === 'online', 15_000, 'online');
    const st = await stack.sb.control.state(true);
    const acc = st.accounts[0]!;
    const friend = acc.friends.find((f) => f.kind === 'friend')!;
    const room = acc.rooms[0]!;
    await stack.sb.control.renameSelf({ nickname: `Me ${EVIL}` });
    await stack.sb.control.roomRename({ room: room.topic, topic: `Room ${EVIL}`, by: room.members.find((m) => m.id !== acc.id)!.nickname });
    await stack.sb.control.friendRequest({ nickname: `Stranger ${EVIL}`, greeting: `hi ${EVIL}` });
    await stack.sb.control.sendMessage({ from: friend.nickname, text: `message ${EVIL}` });
    await stack.sb.control.sendMessage({ from: room.members.find((m) => m.id !== acc.id)!.nickname, room: `Room ${EVIL}`, text: `group ${EVIL}` });
    const bot = stack.manager.get(account)!;
    await eventually(async () => (await stack.store.messages.list(account, { text: 'group ' })).items.length > 0, 10_000, 'messages stored');
    roomId = bot.directory.rooms().find((r) => r.topic.startsWith('Room '))!.id;
    friendId = bot.directory.contacts().find((x) => x.name === friend.nickname)!.id;
    // The web protocol strips markup from names (WeChat sends emoji as <span> tags), so a renamed
    // room arrives as text without tags; messages, greetings and panel-given names keep theirs.
    await eventually(() => bot.directory.rooms().some((r) => r.topic.startsWith('Room ')), 10_000, 'room renamed');
  });
  after(async () => {
    await stack?.close();
  });

  it('the hostile strings reached the panel data (the test would catch a leak)', async () => {
    assert.equal((await stack.store.messages.list(account, { text: 'message <img' })).items.length, 1);
    assert.ok(stack.manager.get(account)!.info().name.includes('<img'));
    assert.ok(stack.manager.get(account)!.info().self?.name.includes('<script>'), 'the hostile WeChat nickname arrived');
  });

  for (const [label, path] of [
    ['accounts', () => '/accounts'],
    ['dashboard', () => `/accounts/${account}`],
    ['contacts', () => `/accounts/${account}/contacts?kind=all`],
    ['rooms', () => `/accounts/${account}/rooms`],
    ['room', () => `/accounts/${account}/rooms/${encodeURIComponent(roomId)}`],
    ['messages', () => `/accounts/${account}/messages`],
    ['chat messages', () => `/accounts/${account}/messages?chat=${encodeURIComponent(roomId)}`],
    ['message rows (live partial)', () => `/accounts/${account}/messages?partial=1`],
    ['search', () => `/accounts/${account}/messages?q=${encodeURIComponent(EVIL)}`],
    ['private chat', () => `/accounts/${account}/messages?chat=${encodeURIComponent(friendId)}`],
    ['logs', () => '/logs'],
    ['audit', () => '/audit'],
  ] as const) {
    it(`${label}: shown as text`, async () => {
      const res = await c.get(path());
      assert.equal(res.status, 200, `${label}: ${res.status}`);
      for (const re of RAW) assert.doesNotMatch(res.text, re, `${label} contains raw markup`);
      assert.match(res.text, /&lt;img src=x onerror=&#34;alert\(&#39;xss&#39;\)&#34;&gt;|&lt;script&gt;alert\(1\)/, `${label} shows the text escaped`);
    });
  }

  it('the trace page of a hostile message is escaped', async () => {
    const m = (await stack.store.messages.list(account, { text: 'message <img' })).items[0]!;
    const res = await c.get(`/accounts/${account}/messages/${encodeURIComponent(m.id)}/trace`);
    for (const re of RAW) assert.doesNotMatch(res.text, re);
    assert.match(res.text, /message &lt;img/);
  });

  it('SSE payloads are JSON (the page scripts insert them with textContent only)', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${stack.url}/events`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, signal: ctrl.signal });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: accounts')) text += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    assert.match(text, /data: \[\{/);
  });
});
