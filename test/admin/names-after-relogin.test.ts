/**
 * Names outlive a login: web-protocol chat ids change at every login, so the message list, the
 * recent chats and the traces of history written before a re-login must still show names. The
 * server `weiroto start` builds, an account on the sandbox: chat, log out from the phone, log in
 * again (new ids), and read the panel.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startOnlineAccount, type Client, type ServerStack } from './helpers/panel-stack.js';

const PASSWORD = 'names after relogin';

/** The text of the elements matching a class in an HTML page (good enough for the panel's own markup). */
function cells(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
}

describe('names survive a re-login (server, sandbox, panel)', () => {
  let stack: ServerStack;
  let admin: Client;
  let account = '';
  let friend = '';
  let topic = '';
  const oldIds: string[] = [];

  before(async () => {
    ({ stack, account, friend, topic, admin } = await startOnlineAccount(PASSWORD));
    const bot = stack.manager.get(account)!;
    const world = (await stack.sb.control.state(true)).accounts[0]!;
    const member = world.rooms.find((r) => r.topic === topic)!.members.find((m) => m.id !== world.id)!;
    await stack.sb.control.sendMessage({ from: friend, text: 'written before the re-login' });
    await stack.sb.control.sendMessage({ from: member.nickname, room: topic, text: 'room talk before the re-login' });
    for (const text of ['written before the re-login', 'room talk before the re-login']) {
      const m = await eventually(async () => (await stack.store.messages.list(account, { text })).items[0], 10_000, text);
      oldIds.push(m.chatId);
    }
    await stack.manager.runtime(account)!.idle();

    await stack.sb.control.phoneLogout();
    await eventually(() => bot.info().state !== 'online', 15_000, 'the phone logout to reach the account');
    await stack.manager.start(account);
    await eventually(() => stack.manager.get(account)!.info().state === 'online', 20_000, 'online again');
    await eventually(() => stack.manager.get(account)!.directory.findRoom(topic), 10_000, 'the room again');
  });

  after(() => stack?.close());

  it('the re-login gave the chats new ids (the premise)', () => {
    const dir = stack.manager.get(account)!.directory;
    assert.equal(dir.contact(oldIds[0]!), undefined);
    assert.equal(dir.room(oldIds[1]!), undefined);
    assert.notEqual(dir.find(friend)?.id, oldIds[0]);
  });

  it('the message list and the recent chats show names, not the old ids', async () => {
    const page = await admin.get(`/accounts/${account}/messages`);
    assert.equal(page.status, 200);
    const chatCells = cells(page.text, /<td class="chat">([\s\S]*?)<\/td>/g);
    assert.ok(chatCells.includes(friend), chatCells.join(' | '));
    assert.ok(chatCells.includes(topic), chatCells.join(' | '));
    const recent = cells(page.text, /<aside class="chats">([\s\S]*?)<\/aside>/g)[0]!;
    assert.match(recent, new RegExp(friend));
    assert.match(recent, new RegExp(topic));
    for (const id of oldIds) assert.ok(!page.text.includes(`>${id}<`), `the old id ${id} is shown`);
    // The old chat's own page is named too.
    const chat = await admin.get(`/accounts/${account}/messages?chat=${encodeURIComponent(oldIds[0]!)}`);
    assert.match(chat.text, new RegExp(`<h1[^>]*>${friend}</h1>`));
  });

  it('a person who wrote before and after the re-login is one recent chat, under the new id', async () => {
    await stack.sb.control.sendMessage({ from: friend, text: 'written after the re-login' });
    const fresh = await eventually(
      async () => (await stack.store.messages.list(account, { text: 'written after the re-login' })).items[0],
      10_000,
      'the new message',
    );
    assert.notEqual(fresh.chatId, oldIds[0], 'a new id for the same person');
    const page = await admin.get(`/accounts/${account}/messages`);
    const aside = /<aside class="chats">([\s\S]*?)<\/aside>/.exec(page.text)![1]!;
    const entries = [...aside.matchAll(/<a class="ellipsis" href="[^"]*\?chat=([^"]+)">([^<]*)<\/a>/g)].map((m) => ({
      id: decodeURIComponent(m[1]!),
      name: m[2]!,
    }));
    assert.deepEqual(
      entries.filter((e) => e.name === friend),
      [{ id: fresh.chatId, name: friend }],
      entries.map((e) => e.name).join(' | '),
    );
    assert.equal((await stack.store.messages.recentChats(account, 30)).filter((c) => c.chatId === oldIds[0] || c.chatId === fresh.chatId).length, 1);
  });

  it("an old message's trace names its chat", async () => {
    const m = (await stack.store.messages.list(account, { text: 'room talk before the re-login' })).items[0]!;
    const page = await admin.get(`/accounts/${account}/messages/${encodeURIComponent(m.id)}/trace`);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`<dd class="ellipsis">${topic}</dd>`));
  });
});
