/**
 * The built-in plugins that fit an iLink account (echo, auto-reply, admin-commands for the owner,
 * ai with "typing…", schedule to the owner) through the real path: AccountManager → Bot → runtime
 * → the iLink client over HTTP → the sandbox's iLink server. The owner is the account's one chat.
 * The account runs on a fake clock so the schedule fires when the test moves it; the iLink client
 * and the sandbox keep real time (long polls, the reply window).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxClient } from '../ilink/helpers/clients.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { createConversation, waitUntil, type Conversation } from '../../src/testing/conversation.js';
import { startFakeOpenAi, type FakeOpenAi } from './ai/fake-openai.js';

const MIN = 60_000;

describe('built-in plugins on an iLink account (iLink client against the sandbox)', () => {
  let sb: RunningSandbox;
  let ai: FakeOpenAi;
  let chat: Conversation;
  let owner: { id: string; name: string };
  // A whole minute, so a schedule's `at` (minutes) lands exactly on it.
  const clock = new FakeClock(Math.ceil(Date.now() / MIN) * MIN);
  const il = () => sb.ilink.control;

  before(async () => {
    ai = await startFakeOpenAi();
    sb = await startSandbox({ holdMs: 300, contacts: 2, rooms: 0, rateLimits: false, ilink: { pollHoldMs: 300, longPollTimeoutMs: 300 } });
    chat = await createConversation({
      enable: ['admin-commands', 'auto-reply', 'schedule', 'ai'],
      clock,
      ilink: {
        control: sb.ilink.control,
        createTransport: () => sandboxClient(sb.origin),
      },
    });
    // The AI answers only on its prefix, so the other plugins' conversations stay quiet.
    await chat.configure('ai', { baseUrl: ai.baseUrl, model: 'm', privateTrigger: 'prefix', prefix: 'ai' });
    // The owner speaks first (iLink: the bot may answer only then), and becomes the account's one contact.
    await chat.shouldNotReply('hello bot');
    const o = chat.bot.directory.contacts().find((c) => c.kind !== 'self')!;
    owner = { id: o.id, name: o.name };
    assert.equal(owner.id, (await il().state()).users[0]!.id, 'the contact is the bound owner');
  });
  after(async () => {
    await chat?.close();
    await sb?.close();
    await ai?.close();
  });

  it('echo answers every text with the same text', async () => {
    await chat.enable('echo');
    await chat.shouldReply('ping 你好 👋', 'ping 你好 👋');
    await chat.shouldReply('second line\nwith a break', 'second line\nwith a break');
    await chat.disable('echo');
    await chat.shouldNotReply('ping');
  });

  it('auto-reply answers by rule, with the owner as {sender}', async () => {
    await chat.configure('auto-reply', {
      rules: [{ match: 'regex', pattern: '^price of (\\w+)$', replies: [{ text: '{1}: ask {sender}' }] }],
    });
    await chat.shouldReply('price of tea', `tea: ask ${owner.name}`);
    await chat.shouldNotReply('something else');
  });

  it('admin-commands obey the owner: #plugins, #pause holds the other plugins back, #resume lets them answer again', async () => {
    await chat.configure('admin-commands', { owners: [owner.id] });
    await chat.shouldReply('#plugins', /on {2}admin-commands/);
    await chat.shouldReply('#pause', 'Paused: I will not answer until #resume.');
    await chat.shouldNotReply('price of coffee');
    await chat.shouldReply('#status', /Answering: paused/);
    await chat.shouldReply('#resume', /resume|answering/i);
    await chat.shouldReply('price of coffee', `coffee: ask ${owner.name}`);
  });

  it('ai shows "typing…" on the phone while the model thinks, then answers and clears it', async () => {
    let release!: () => void;
    ai.next.push({ until: new Promise<void>((r) => (release = r)) });
    const typingOn = (await il().state()).counters.typingOn ?? 0;
    const r = await chat.say('ai: what is iLink?');
    assert.deepEqual(r.replies, [], 'the answer is not part of the synchronous pipeline');
    await waitUntil(() => ai.requests.length > 0, 10_000, 'the model asked');
    await waitUntil(async () => (await il().state()).bots.find((b) => b.alive)?.typing === true, 10_000, 'sendtyping (status 1) reaching the sandbox');
    assert.ok(((await il().state()).counters.typingOn ?? 0) > typingOn);
    const { next } = await il().sent();
    release();
    const answer = await il().waitForSent((m) => m.decision === 'delivered', { since: next, timeoutMs: 10_000 });
    assert.equal(answer.items[0]!.text, 'too late', "the stub's answer once released");
    await waitUntil(async () => (await il().state()).bots.find((b) => b.alive)?.typing === false, 10_000, 'typing cleared (status 2)');
    assert.ok(((await il().state()).counters.typingOff ?? 0) >= 1);
  });

  it('schedule sends a job to the owner when the clock reaches it', async () => {
    const at = new Date(clock.now() + 2 * MIN).toISOString().slice(0, 16);
    await chat.configure('schedule', { timezone: 'UTC', jobs: [{ name: 'standup', to: [owner.id], text: 'stand up at {time}', at }] });
    const { next } = await il().sent();
    await clock.advance(MIN);
    assert.deepEqual((await il().sent(next)).messages, [], 'not before its time');
    await clock.advance(MIN);
    const sent = await il().waitForSent((m) => m.decision === 'delivered', { since: next, timeoutMs: 10_000 });
    assert.equal(sent.to, owner.id);
    assert.match(sent.items[0]!.text ?? '', /^stand up at \d\d:\d\d/);
    await chat.idle();
    assert.equal((await il().sent(next)).messages.length, 1, 'once');
  });
});
