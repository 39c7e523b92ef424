/**
 * The plugin chain through the server `weiroto start` builds, an account logged in to the sandbox
 * and the HTTP API: a new account's order, `PUT /plugins/order`, the AI ending the chain when it
 * answers, the names templates use ({sender}, the AI's "Name:"), room-welcome's {inviter} when the
 * account invited, and what forward's `keywords` does to media.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startServerStack, type ServerStack } from '../admin/helpers/panel-stack.js';
import { startFakeOpenAi, type FakeOpenAi } from '../plugins/ai/fake-openai.js';
import type { Bot } from '../../src/bot/index.js';

const TOKEN = 'plugin-chain-token-0123456789';

interface PluginState {
  name: string;
  enabled: boolean;
}

describe('the plugin chain (API + sandbox)', () => {
  let stack: ServerStack;
  let ai: FakeOpenAi;
  let bot: Bot;
  let since = 0;
  let selfName = '';

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes, checked field by field
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${stack.url}/api/v1/accounts/${bot.id}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  }

  const names = async (): Promise<string[]> => ((await call('GET', '/plugins')).body.items as PluginState[]).map((p) => p.name);

  async function configure(name: string, body: unknown): Promise<void> {
    const r = await call('PUT', `/plugins/${name}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  /** The next text the account sends to `toName` (after the last one waited for). */
  async function sentTo(toName: string, pred: (text: string) => boolean = () => true): Promise<{ text: string; type: string }> {
    const m = await stack.sb.control.waitForSent((x) => x.toName === toName && pred(x.text), { since, timeoutMs: 10_000 });
    since = m.seq;
    return m;
  }

  before(async () => {
    ai = await startFakeOpenAi();
    stack = await startServerStack({
      sandbox: { autoScanMs: 10, autoConfirmMs: 10, contacts: 10, rooms: 3, roomSize: 8 },
      env: {
        API_TOKEN: TOKEN,
        API_RATE_BURST: '1000',
        BOT_PLUGINS: 'echo,auto-reply,admin-commands',
        AI_BASE_URL: ai.baseUrl,
        AI_MODEL: 'test-model',
        AI_API_KEY: 'k',
      },
    });
    bot = await stack.manager.add('shop');
    await eventually(() => bot.info().state === 'online', 15_000, 'online');
    const st = await stack.sb.control.state(true);
    selfName = st.accounts[0]!.nickname;
    await eventually(() => bot.directory.rooms().length === 3 && bot.directory.rooms().every((r) => r.members.length > 0), 10_000, 'rooms loaded');
    since = (await stack.sb.control.sent({})).next;
  });

  after(async () => {
    await stack.close();
    await ai.close();
  });

  it('a new account starts with admin-commands first and echo last; PUT /plugins/order changes the chain', async () => {
    const first = await names();
    assert.equal(first[0], 'admin-commands');
    assert.equal(first[first.length - 1], 'echo');
    assert.ok(first.indexOf('auto-reply') < first.indexOf('ai'), first.join(','));
    const bad = await call('PUT', '/plugins/order', { order: ['echo', 'ech', 'echo'] });
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.body.error.details.map((d: { path: string }) => d.path),
      ['order.1', 'order.2'],
    );
    assert.deepEqual(await names(), first, 'a refused order changes nothing');
    const moved = await call('PUT', '/plugins/order', { order: ['echo', 'ai'] });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const expected = ['echo', 'ai', ...first.filter((n) => n !== 'echo' && n !== 'ai')];
    assert.deepEqual(
      moved.body.items.map((p: PluginState) => p.name),
      expected,
    );
    assert.deepEqual(await names(), expected, 'kept');
    const back = await call('PUT', '/plugins/order', { order: first });
    assert.deepEqual(
      back.body.items.map((p: PluginState) => p.name),
      first,
    );
  });

  it('the AI ends the chain when it answers, unless passThrough is on', async () => {
    const friend = (await stack.sb.control.state(true)).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
    await configure('auto-reply', { enabled: false });
    for (const passThrough of [false, true]) {
      await configure('ai', { enabled: true, config: { passThrough } });
      const text = `question ${passThrough}`;
      await stack.sb.control.sendMessage({ from: friend, text });
      assert.match((await sentTo(friend, (t) => t.startsWith('[') && t.includes(text))).text, /^\[\d+\] question/);
      const id = await eventually(async () => (await stack.store.messages.list(bot.id, { text })).items.find((m) => !m.isSelf)?.id, 10_000, 'stored');
      const trace = await eventually(async () => (await stack.store.traces.list(bot.id, { messageId: id }))[0], 10_000, 'trace');
      const outcome = (name: string): string | undefined => trace.steps.find((s) => s.plugin === name)?.outcome;
      assert.equal(outcome('ai'), 'replied');
      assert.equal(trace.replied, true);
      // With passThrough echo sees the message but stays quiet: the AI announced its answer.
      assert.equal(outcome('echo'), passThrough ? 'ran' : 'skipped', JSON.stringify(trace.steps));
    }
    await configure('ai', { enabled: false });
  });

  it('{sender} and the AI\'s "Name:" are the remark, else the group display name, else the nickname', async () => {
    await configure('auto-reply', { enabled: true, config: { rules: [{ pattern: 'who am i', match: 'exact', replies: [{ text: 'you are {sender}' }] }] } });
    const st = (await stack.sb.control.state(true)).accounts[0]!;
    const friendIds = new Set(st.friends.map((f) => f.id));
    const members = st.rooms.flatMap((r) => r.members.filter((m) => m.id !== st.id).map((m) => ({ ...m, room: r.topic })));
    const withDisplay = members.find((m) => m.displayName && !friendIds.has(m.id))!;
    const plain = members.find((m) => !m.displayName && !friendIds.has(m.id))!;
    const friend = members.find((m) => friendIds.has(m.id) && m.displayName) ?? members.find((m) => friendIds.has(m.id))!;
    assert.ok(withDisplay && plain && friend, 'the sandbox world has each kind of member');
    const contact = bot.directory.find(friend.nickname)!;
    await bot.transport.setRemark(contact.id, 'Remarked Friend');
    await eventually(() => bot.directory.contact(contact.id)?.remark === 'Remarked Friend', 10_000, 'remark');
    for (const [m, expected] of [
      [withDisplay, withDisplay.displayName],
      [plain, plain.nickname],
      [friend, 'Remarked Friend'],
    ] as const) {
      await stack.sb.control.sendMessage({ from: m.nickname, room: m.room, text: 'who am i' });
      assert.equal((await sentTo(m.room, (t) => t.startsWith('you are'))).text, `you are ${expected}`);
    }
    await configure('auto-reply', { enabled: false });
    await configure('ai', { enabled: true, config: { groupTriggers: ['keywords'], keywords: ['robot'] } });
    const asked = ai.requests.length;
    await stack.sb.control.sendMessage({ from: withDisplay.nickname, room: withDisplay.room, text: 'hello robot' });
    await eventually(() => ai.requests.length > asked, 10_000, 'the AI was asked');
    const question = ai.requests[ai.requests.length - 1]!.messages.at(-1)!.content;
    assert.equal(question, `${withDisplay.displayName}: hello robot`);
    await configure('ai', { enabled: false });
  });

  it("room-welcome's {inviter} is the account's own name when the account invited", async () => {
    await configure('room-welcome', { enabled: true, config: { mention: false, greetings: [{ rooms: [], template: '{inviter} brought {names}' }] } });
    const room = bot.directory.rooms()[0]!;
    const outsider = bot.directory.contacts().find((c) => c.kind === 'friend' && !room.members.some((m) => m.id === c.id))!;
    await bot.transport.addMembers(room.id, [outsider.id]);
    assert.equal((await sentTo(room.topic, (t) => t.includes('brought'))).text, `${selfName} brought ${outsider.name}`);
    await configure('room-welcome', { enabled: false });
  });

  it('forward with keywords relays only matching texts: media have no text and are not relayed', async () => {
    const st = (await stack.sb.control.state(true)).accounts[0]!;
    const room = st.rooms[1]!;
    const member = room.members.find((m) => m.id !== st.id)!;
    const target = st.friends.find((f) => f.kind === 'friend' && !room.members.some((m) => m.id === f.id))!.nickname;
    await configure('forward', { enabled: true, config: { routes: [{ from: [room.topic], to: [target], keywords: ['urgent'], prefix: '' }] } });
    await stack.sb.control.sendMessage({ from: member.nickname, room: room.topic, type: 'image', data: 'iVBORw0KGgo=', fileName: 'urgent.png' });
    await stack.sb.control.sendMessage({ from: member.nickname, room: room.topic, text: 'urgent: call back' });
    const relayed = await sentTo(target);
    assert.equal(relayed.type, 'text', 'the image before it was not relayed');
    assert.match(relayed.text, /urgent: call back$/);
  });
});
