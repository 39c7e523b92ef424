// The decision trace lists every installed plugin in chain order with what it did or why it did
// not run, and echo (the demo's catch-all) never hides a rule, wherever it sits in the chain.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConversation, type Conversation } from '../../src/testing/conversation.js';

const RULE = { pattern: 'opening hours', match: 'contains', replies: [{ text: 'We open at nine.' }] };

describe('decision trace and echo as a fallback (built-in plugins, real store)', () => {
  let chat: Conversation;
  before(async () => {
    chat = await createConversation({ enable: ['auto-reply', 'echo'] });
    await chat.configure('auto-reply', { rules: [RULE] });
  });
  after(() => chat.close());

  it('echo placed first still lets a rule answer, and answers only what nobody else did', async () => {
    await chat.plugins.reorder(['echo', 'auto-reply']);
    const r = await chat.shouldReply('what are your opening hours?', 'We open at nine.');
    const steps = Object.fromEntries(r.trace.steps.map((s) => [s.plugin, s]));
    assert.equal(steps.echo!.outcome, 'ran');
    assert.equal(steps['auto-reply']!.outcome, 'replied');
    await chat.shouldReply('anything else', 'anything else');
  });

  it('every installed plugin appears in chain order, skipped ones with their reason', async () => {
    await chat.plugins.reorder(['auto-reply', 'echo']);
    const r = await chat.shouldReply('opening hours', 'We open at nine.');
    const order = chat.plugins.list().map((p) => p.name);
    assert.deepEqual(
      r.trace.steps.map((s) => s.plugin),
      order,
    );
    const echo = r.trace.steps.find((s) => s.plugin === 'echo')!;
    assert.deepEqual([echo.outcome, echo.skip, echo.by], ['skipped', 'not-reached', 'auto-reply']);
    const ai = r.trace.steps.find((s) => s.plugin === 'ai')!;
    assert.deepEqual([ai.outcome, ai.skip], ['skipped', 'disabled']);
    const schedule = r.trace.steps.find((s) => s.plugin === 'schedule')!;
    await chat.enable('schedule');
    const r2 = await chat.shouldReply('opening hours', 'We open at nine.');
    assert.equal(schedule.skip, 'disabled');
    assert.equal(r2.trace.steps.find((s) => s.plugin === 'schedule')!.skip, 'no-handler');
    await chat.disable('schedule');
  });

  it('the stored trace keeps the skipped plugins', async () => {
    await chat.runtime.idle();
    await new Promise((r) => setImmediate(r));
    const [t] = await chat.store.traces.list(chat.bot.id, { limit: 1 });
    assert.ok(t!.steps.some((s) => s.outcome === 'skipped' && s.skip === 'not-reached' && s.by === 'auto-reply'));
  });
});
