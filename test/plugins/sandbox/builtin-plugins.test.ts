/**
 * The real path for every built-in plugin: AccountManager → Bot → web-protocol client → sandbox
 * (HTTP on 127.0.0.1), the plugins loaded from plugins/ by the registry and configured through the
 * host as the panel would. One login serves all plugins to keep the file fast.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWebTransport } from '../../../src/protocol/index.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { createConversation, waitUntil, type Conversation } from '../../../src/testing/conversation.js';
import { startFakeOpenAi, type FakeOpenAi } from '../ai/fake-openai.js';
import { FAST } from '../../helpers/fast.js';

describe('built-in plugins through the sandbox (real web protocol)', () => {
  let sb: RunningSandbox;
  let ai: FakeOpenAi;
  let chat: Conversation;
  let friend: string;
  let other: string;
  let rooms: { topic: string; member: string }[];
  let since = 0;

  /** Wait for the client to send a text matching `pred` (after the last wait). */
  async function sentText(pred: (t: string) => boolean, what: string): Promise<string> {
    const m = await sb.control
      .waitForSent((x) => pred(x.text), { since, timeoutMs: 8000 })
      .catch(() => {
        throw new Error(`nothing sent matching ${what}`);
      });
    since = m.seq;
    return m.text;
  }

  before(async () => {
    ai = await startFakeOpenAi();
    sb = await startSandbox({
      holdMs: 300,
      autoScanMs: 10,
      autoConfirmMs: 10,
      contacts: 8,
      rooms: 3,
      roomSize: 4,
    });
    const st = await sb.control.state(true);
    const acc = st.accounts[0]!;
    const friends = acc.friends.filter((f) => f.kind === 'friend');
    friend = friends[0]!.nickname;
    other = friends[1]!.nickname;
    rooms = acc.rooms.map((r) => ({
      topic: r.topic,
      member: r.members.find((m) => m.id !== acc.id)!.nickname,
    }));
    chat = await createConversation({
      enable: ['admin-commands', 'auto-reply', 'forward', 'friends', 'room-welcome', 'schedule', 'ai'],
      from: friend,
      sandbox: {
        sandbox: sb,
        selfName: acc.nickname,
        createTransport: () => createWebTransport({ endpoint: sb.origin, ...FAST }),
      },
    });
    // The AI answers private chats only on its prefix here, so the other plugins' tests stay quiet.
    await chat.configure('ai', { baseUrl: ai.baseUrl, model: 'm', privateTrigger: 'prefix', prefix: 'ai' });
    since = (await sb.control.sent()).next;
  });
  after(async () => {
    await chat?.close();
    await sb?.close();
    await ai?.close();
  });

  it('loads every built-in plugin from plugins/', () => {
    const names = chat.plugins.list().map((p) => p.name);
    for (const n of ['admin-commands', 'auto-reply', 'forward', 'friends', 'room-welcome', 'schedule', 'ai']) assert.ok(names.includes(n), n);
  });

  it('auto-reply answers by rule with a template', async () => {
    await chat.configure('auto-reply', {
      rules: [{ match: 'regex', pattern: '^price of (\\w+)$', replies: [{ text: '{1}: ask {sender}' }] }],
    });
    await chat.shouldReply('price of tea', `tea: ask ${friend}`);
    await chat.shouldNotReply('something else');
  });

  it('admin-commands answers the owner only', async () => {
    await chat.configure('admin-commands', { owners: [friend] });
    await chat.shouldReply('#plugins', /on {2}admin-commands/);
    await chat.shouldNotReply('#plugins', { from: other });
  });

  it('ai answers through the endpoint without holding up the pipeline', async () => {
    const r = await chat.say('ai: hello there');
    assert.deepEqual(r.replies, [], 'the answer is not part of the synchronous pipeline');
    assert.equal(await sentText((t) => t === '[0] hello there', 'the AI answer'), '[0] hello there');
    await chat.say('ai: again');
    assert.equal(await sentText((t) => t.startsWith('[2] again'), 'the remembered answer'), '[2] again');
  });

  it('forward relays a room message to another room with a prefix', async () => {
    const [a, b] = rooms;
    await chat.configure('forward', { routes: [{ from: [a!.topic], to: [b!.topic] }] });
    await chat.inRoom(a!.topic, { from: a!.member }).say('meeting moved');
    const text = await sentText((t) => t.includes('meeting moved'), 'the relayed text');
    assert.equal(text.replace('\u2063', ''), `[${a!.topic}] ${a!.member}: meeting moved`);
    // An image goes through WeChat's own forward, after the prefix line.
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await sb.control.sendMessage({ from: a!.member, room: a!.topic, type: 'image', data: png });
    const img = await sb.control.waitForSent((m) => m.type !== 'text', { since, timeoutMs: 8000 });
    assert.match(img.type, /image/);
    since = img.seq;
  });

  it('friends accepts a request by keyword and welcomes', async () => {
    await chat.configure('friends', { keywords: ['weiroto'], welcome: 'Welcome, {name}!' });
    await sb.control.friendRequest({ nickname: 'Zed Newcomer', greeting: 'hi, weiroto sent me' });
    await sentText((t) => t === 'Welcome, Zed Newcomer!', 'the welcome');
    await waitUntil(() => chat.bot.directory.find('Zed Newcomer') !== undefined, 5000, 'the new friend in the directory');
  });

  it('room-welcome greets who joins', async () => {
    const c = rooms[2]!;
    await chat.configure('room-welcome', {
      greetings: [{ rooms: [c.topic], template: 'Welcome {names} to {room}' }],
    });
    await sb.control.roomJoin({ room: c.topic, member: 'Yara Joiner' });
    assert.equal(await sentText((t) => t.startsWith('Welcome @'), 'the greeting'), `Welcome @Yara Joiner to ${c.topic}`);
  });

  it('schedule sends on a cron expression', async () => {
    await chat.configure('schedule', {
      jobs: [{ name: 'tick', to: [friend], text: 'tick {time}', cron: '* * * * * *' }],
    });
    await sentText((t) => t.startsWith('tick '), 'the scheduled message');
    await chat.configure('schedule', { jobs: [] });
  });
});
