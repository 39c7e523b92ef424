import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { plugin } from '../../../plugins/ai/index.js';
import { definePlugin } from '../../../src/plugin.js';
import { FakeClock } from '../../../src/util/clock.js';
import { createConversation, type Conversation, type ConversationOptions, type SayOptions } from '../../../src/testing/index.js';
import type { Contact } from '../../../src/transport/model.js';
import { ann, bob, cat, family, work, WORLD } from '../world.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';
import { waitUntil } from '../../../src/testing/wait.js';

let ai: FakeOpenAi;
let h: Conversation | undefined;
before(async () => (ai = await startFakeOpenAi()));
after(() => ai.close());
let dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  ai.requests.length = 0;
  ai.next.length = 0;
  ai.fallback = 'echo';
});

const start = async (config: Record<string, unknown> = {}, o: ConversationOptions = {}): Promise<Conversation> =>
  (h = await createConversation({
    plugins: [plugin],
    config: { ai: { baseUrl: ai.baseUrl, apiKey: 'sk-test', model: 'test-model', ...config } },
    world: WORLD,
    clock: new FakeClock(Date.UTC(2024, 0, 1, 10, 0)),
    ...o,
  }));

/** The texts sent since `from` (an index into the fake's sends). */
const sentSince = (c: Conversation, from: number): string[] => c.fake!.sent.slice(from).map((s) => s.text ?? '');

/** `from` says something (in a room when `o.room`); the plugin answers in the background: wait for `answers` sends. */
async function ask(c: Conversation, from: Contact, text: string, o: Omit<SayOptions, 'from'> = {}, answers = 1): Promise<string[]> {
  const before = c.fake!.sent.length;
  await c.say(text, { from: from.id, ...o });
  await c.fake!.waitForSends(before + answers);
  return sentSince(c, before);
}

/** Say something without waiting for an answer (the AI works in the background). */
const tell = (c: Conversation, from: Contact, text: string, o: Omit<SayOptions, 'from'> = {}) => c.say(text, { from: from.id, ...o });

describe('plugin ai', () => {
  it('asks the endpoint with model, key and system prompt and answers', async () => {
    const hh = await start({ systemPrompt: 'Be terse.' });
    assert.deepEqual(await ask(hh, ann, 'hello'), ['[0] hello']);
    const r = ai.requests[0]!;
    assert.equal(r.model, 'test-model');
    assert.equal(r.authorization, 'Bearer sk-test');
    assert.deepEqual(r.messages[0], { role: 'system', content: 'Be terse.' });
  });

  it('keeps separate memories for two people and for a room', async () => {
    const hh = await start();
    assert.deepEqual(await ask(hh, ann, 'I am Ann'), ['[0] I am Ann']);
    assert.deepEqual(await ask(hh, bob, 'I am Bob'), ['[0] I am Bob']);
    assert.deepEqual(await ask(hh, ann, 'who am I'), ['[2] who am I']);
    assert.deepEqual(await ask(hh, cat, 'room one', { room: family.id, mention: true }), ['[0] Cat: room one']);
    assert.deepEqual(await ask(hh, ann, 'room two', { room: family.id, mention: true }), ['[2] Ann: room two']);
    assert.deepEqual(await ask(hh, bob, 'who am I'), ['[2] who am I']);
    const annHistory = ai.requests[2]!.messages.map((m) => m.content);
    assert.ok(annHistory.includes('I am Ann') && !annHistory.includes('I am Bob'), 'Ann must not see Bob');
    const roomHistory = ai.requests[4]!.messages.map((m) => m.content);
    assert.ok(roomHistory.includes('Cat: room one') && !roomHistory.includes('I am Ann'), 'the room has its own memory');
  });

  it('forgets after #reset and after the expiry', async () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const hh = await start({ memoryMinutes: 30 }, { clock });
    await ask(hh, ann, 'one');
    assert.deepEqual(await ask(hh, ann, 'two'), ['[2] two']);
    assert.deepEqual(await ask(hh, ann, '#reset'), ['OK, I have forgotten this conversation.']);
    assert.deepEqual(await ask(hh, ann, 'three'), ['[0] three']);
    await clock.advance(29 * 60_000);
    assert.deepEqual(await ask(hh, ann, 'four'), ['[2] four']);
    await clock.advance(31 * 60_000);
    assert.deepEqual(await ask(hh, ann, 'five'), ['[0] five']);
  });

  it('remembers across a restart (SQLite) and trims by turns', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-ai-'));
    dirs.push(dataDir);
    const first = await start({ maxTurns: 1 }, { dataDir });
    await ask(first, ann, 'one');
    await ask(first, ann, 'two');
    assert.deepEqual(await ask(first, ann, 'three'), ['[2] three'], 'only one pair is kept');
    await first.close();
    const second = await start({ apiKey: '', model: 'm', maxTurns: 1 }, { dataDir });
    assert.deepEqual(await ask(second, ann, 'again'), ['[2] again']);
    assert.equal(ai.requests.at(-1)!.messages[1]!.content, 'three');
  });

  it('uses per-chat prompts and #prompt', async () => {
    const hh = await start({
      systemPrompt: 'account prompt',
      chatPrompts: [{ chat: 'Work', prompt: 'work prompt' }],
    });
    await ask(hh, bob, 'q1', { room: work.id, mention: true });
    assert.equal(ai.requests.at(-1)!.messages[0]!.content, 'work prompt');
    assert.deepEqual(await ask(hh, ann, '#prompt Speak like a pirate'), ['OK, I will use that prompt in this chat.']);
    await ask(hh, ann, 'q2');
    assert.equal(ai.requests.at(-1)!.messages[0]!.content, 'Speak like a pirate');
    await ask(hh, bob, 'q3');
    assert.equal(ai.requests.at(-1)!.messages[0]!.content, 'account prompt', 'a #prompt is per chat');
    assert.deepEqual(await ask(hh, ann, '#prompt'), ['The prompt here is: Speak like a pirate']);
    await ask(hh, ann, '#prompt off');
    await ask(hh, ann, 'q4');
    assert.equal(ai.requests.at(-1)!.messages[0]!.content, 'account prompt');
  });

  it('answers politely on errors and 429s, and retries once when told how long to wait', async () => {
    const hh = await start({ fallbackReply: 'sorry' });
    ai.next.push({ status: 500 });
    assert.deepEqual(await ask(hh, ann, 'a'), ['sorry']);
    ai.next.push({ status: 429 });
    assert.deepEqual(await ask(hh, ann, 'b'), ['sorry']);
    ai.next.push({ status: 429, headers: { 'retry-after': '0' } });
    assert.deepEqual(await ask(hh, ann, 'c'), ['[0] c'], 'a 429 with Retry-After is retried');
    ai.next.push({ status: 200, body: { choices: [] } });
    assert.deepEqual(await ask(hh, ann, 'd'), ['sorry']);
    // Answered with the apology, and still the operator's to see: each failure is a plugin error with its reason.
    assert.equal(hh.plugins.list()[0]?.errors, 3, 'the 500, the 429 without Retry-After and the empty answer');
    assert.match(hh.plugins.list()[0]?.lastError ?? '', /without choices\[0\]\.message\.content/);
  });

  it('gives up after the timeout with the fallback', async () => {
    // The endpoint never answers; the 30 s pass on the account's clock once the request has reached it.
    const clock = new FakeClock(Date.UTC(2024, 0, 1, 10, 0));
    const hh = await start({ timeoutSeconds: 30, fallbackReply: 'too slow, sorry' }, { clock });
    ai.next.push({ until: new Promise<void>(() => {}) });
    await tell(hh, ann, 'slow');
    await waitUntil(() => ai.requests.length === 1, 5000, 'the question to reach the endpoint');
    await clock.advance(29_999);
    await hh.idle();
    assert.deepEqual(sentSince(hh, 0), [], 'no fallback before the timeout');
    await clock.advance(1);
    await hh.fake!.waitForSends(1);
    assert.deepEqual(sentSince(hh, 0), ['too slow, sorry']);
  });

  it('never blocks other plugins or other chats while waiting', async () => {
    const tail = definePlugin({
      name: 'tail',
      description: 'answers at once',
      config: z.object({}),
      setup: (api) => api.use((ctx) => ctx.reply(`tail: ${ctx.text}`)),
    });
    // tail sees what the AI answers
    const hh = (h = await createConversation({
      plugins: [plugin, tail],
      config: { ai: { baseUrl: ai.baseUrl, apiKey: 'sk-test', model: 'test-model', passThrough: true }, tail: {} },
      world: WORLD,
    }));
    let answer!: () => void;
    ai.next.push({ until: new Promise<void>((r) => (answer = r)) });
    // The endpoint answers only when told to, so the message being handled here shows it did not wait for it.
    assert.deepEqual((await tell(hh, ann, 'slow question')).replies, ['tail: slow question']);
    assert.deepEqual(await ask(hh, bob, 'fast', {}, 2), ['tail: fast', '[0] fast'], 'another chat is answered meanwhile');
    const before = hh.fake!.sent.length;
    answer();
    await hh.fake!.waitForSends(before + 1);
    assert.deepEqual(sentSince(hh, before), ['too late']);
  });

  it('splits long answers into WeChat-sized messages', async () => {
    const hh = await start({ maxMessageLength: 100 });
    const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i}.`).join(' ');
    ai.next.push({ answer: long });
    const parts = await ask(hh, ann, 'tell me a lot', {}, 8);
    assert.ok(parts.length >= 7, `got ${parts.length} parts`);
    for (const p of parts) assert.ok(p.length <= 100);
    assert.equal(parts.join(' '), long);
  });

  it('limits questions per person and says so once', async () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const hh = await start({ personPerMinute: 2, rateLimitReply: 'slow down' }, { clock });
    await ask(hh, ann, 'q1');
    await ask(hh, ann, 'q2');
    assert.deepEqual(await ask(hh, ann, 'q3'), ['slow down']);
    const before = hh.fake!.sent.length;
    await tell(hh, ann, 'q4');
    assert.deepEqual(await ask(hh, bob, 'b1'), ['[0] b1'], 'other people are not limited (and Ann hears nothing more)');
    assert.equal(hh.fake!.sent.length, before + 1);
    await clock.advance(60_000);
    assert.deepEqual(await ask(hh, ann, 'q5'), ['[4] q5']);
  });

  it('limits questions per chat', async () => {
    const hh = await start({ chatPerMinute: 1, rateLimitReply: '' });
    await ask(hh, ann, 'one', { room: family.id, mention: true });
    await tell(hh, bob, 'two', { room: family.id, mention: true });
    assert.deepEqual(await ask(hh, bob, 'three', { room: work.id, mention: true }), ['[0] Boss: three'], 'named by remark');
    assert.equal(ai.requests.length, 2);
  });

  it('obeys triggers and allow/deny lists', async () => {
    const hh = await start({
      privateTrigger: 'prefix',
      groupTriggers: ['keywords'],
      keywords: ['robot'],
      denyPeople: ['Boss'],
      allowChats: ['Ann', 'Family'],
    });
    await tell(hh, ann, 'no prefix');
    await tell(hh, cat, 'ai: not allowed chat');
    await tell(hh, bob, 'hey robot', { room: family.id });
    await tell(hh, ann, 'hello', { room: family.id, mention: true });
    assert.deepEqual(await ask(hh, ann, 'robot, hi', { room: family.id }), ['[0] Ann: robot, hi']);
    assert.deepEqual(await ask(hh, ann, 'ai: hi'), ['[0] hi']);
    assert.equal(ai.requests.length, 2);
  });

  it('answers the fallback when no endpoint is configured', async () => {
    const hh = await start({ baseUrl: '', apiKey: '', model: '', fallbackReply: 'not set up' });
    assert.deepEqual(await ask(hh, ann, 'hi'), ['not set up']);
  });
});
