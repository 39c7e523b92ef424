/**
 * The panel's send box: the recipient is chosen from the account's friends and groups (search as
 * you type, by name, remark or topic), an unknown recipient is refused before anything is queued,
 * and a WeChat error code beside a failed send says what it means. The server `weiroto start`
 * builds, an account on the sandbox, the panel over HTTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOnlineAccount, type Client, type ServerStack } from './helpers/panel-stack.js';
import { explainWechatError } from '../../src/admin/wechat-codes.js';

const PASSWORD = 'send box password';

describe('send box (server, sandbox, panel)', () => {
  let stack: ServerStack;
  let admin: Client;
  let account = '';
  let friend = '';
  let topic = '';

  const send = (chat: string, text: string): ReturnType<Client['request']> => {
    const form = new FormData();
    form.set('_csrf', admin.csrf);
    form.set('chat', chat);
    form.set('text', text);
    return admin.request('POST', `/accounts/${account}/messages`, { body: form });
  };
  const recipients = async (q: string): Promise<{ id: string; name: string; kind: string; members?: number }[]> => {
    const r = await admin.request('GET', `/accounts/${account}/recipients?q=${encodeURIComponent(q)}`, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 200);
    return (JSON.parse(r.text) as { items: { id: string; name: string; kind: string }[] }).items;
  };

  before(async () => {
    ({ stack, account, friend, topic, admin } = await startOnlineAccount(PASSWORD));
    await admin.get(`/accounts/${account}/messages`);
  });

  after(() => stack?.close());

  it('search as you type finds friends by part of the name and groups by part of the topic', async () => {
    const byName = await recipients(friend.slice(1, 4));
    assert.ok(
      byName.some((r) => r.name === friend && r.kind === 'contact'),
      JSON.stringify(byName),
    );
    const byTopic = await recipients(topic.slice(0, 3).toLowerCase());
    const room = byTopic.find((r) => r.name === topic)!;
    assert.equal(room.kind, 'room');
    assert.ok(room.members! > 0);
    assert.deepEqual(await recipients('zzz nobody has this name'), []);
    const page = await admin.get(`/accounts/${account}/messages`);
    assert.match(page.text, new RegExp(`<datalist id="recipients"[^>]*>[\\s\\S]*<option value="${friend}">`));
  });

  it('sends by name to a friend and by topic to a group', async () => {
    const since = (await stack.sb.control.sent()).next;
    assert.equal((await send(friend, 'hello by name')).status, 302);
    assert.equal((await send(topic, 'hello group by topic')).status, 302);
    const m = await stack.sb.control.waitForSent((x) => x.text === 'hello by name', { since, timeoutMs: 10_000 });
    assert.equal(m.toName, friend);
    const g = await stack.sb.control.waitForSent((x) => x.text === 'hello group by topic', { since, timeoutMs: 10_000 });
    assert.equal(g.toName, topic);
  });

  it('an unknown recipient is refused before anything is queued: 422, the form keeps the text, no new chat', async () => {
    const before = (await stack.store.outbound.list(account, { limit: 500 })).length;
    const r = await send('Nobody Anywhere', 'is anyone there?');
    assert.equal(r.status, 422);
    assert.match(r.text, /id="send-error"[^>]*>No friend or group called &#34;Nobody Anywhere&#34;/);
    assert.match(r.text, /<textarea name="text" rows="3" id="send-text">is anyone there\?<\/textarea>/);
    assert.equal((await stack.store.outbound.list(account, { limit: 500 })).length, before);
    // No chat for the name (a count would also see the previous test's sends, whose echoes may still be landing on PostgreSQL).
    const chats = await stack.store.messages.recentChats(account, 100);
    assert.ok(!chats.some((c) => c.chatId === 'Nobody Anywhere' || c.name === 'Nobody Anywhere'), 'no chat for the unknown name');
    const json = await admin.request('POST', `/accounts/${account}/messages`, {
      body: JSON.stringify({ chat: 'Nobody Anywhere', text: 'x' }),
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': admin.csrf },
    });
    assert.equal(json.status, 422);
  });

  it("a failed send's WeChat code comes with a sentence saying what it means (messages and Logs)", async () => {
    // The API still takes raw ids: one the session does not know fails at WeChat with Ret -1.
    const rec = await stack.manager.get(account)!.send({ id: '@stale0123456789abcdef' }, { type: 'text', text: 'to a stale id' });
    const failed = await stack.manager.get(account)!.waitFor(rec.id, 15_000);
    assert.equal(failed.status, 'failed');
    const meaning = explainWechatError('web', failed.error!.message, failed.error!.code, 'en')!;
    assert.match(meaning, /chat ids change at each login/);
    const page = await admin.get(`/accounts/${account}/messages?chat=${encodeURIComponent('@stale0123456789abcdef')}`);
    assert.ok(page.text.includes(`<small class="meaning">${meaning}</small>`), 'the outbox explains the code');
    const logs = await admin.get('/logs');
    assert.ok(logs.text.includes(`<small class="meaning">${meaning}</small>`), 'the Logs page explains the code');
    const zh = explainWechatError('web', 'synccheck: session ended (Ret 1100)', undefined, 'zh-CN')!;
    assert.match(zh, /手机上退出/);
    assert.match(explainWechatError('ilink', 'getupdates: errcode -14 session timeout', undefined, 'en')!, /bot token is no longer valid/);
  });
});
