// boundary(mw, options): one plugin's error boundary and time budget (src/pipeline/boundary.ts),
// on a fake clock: a throw or rejection is reported under the plugin's name and the chain goes on;
// a hang is reported after the plugin's own time; time spent downstream does not count.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundary, Watchdog } from '../../src/pipeline/boundary.js';
import { Context } from '../../src/pipeline/context.js';
import { hostState } from '../../src/pipeline/context-host.js';
import type { Middleware } from '../../src/pipeline/compose.js';
import type { PluginError } from '../../src/pipeline/plugin.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { fakeBotHandle } from '../helpers/fake-bot-handle.js';

function setup(timeoutMs = 1000) {
  const clock = new FakeClock(0);
  const watchdog = new Watchdog(clock, 10);
  const reports: PluginError[] = [];
  const ctx = new Context(
    { id: 'm1', type: 'text', chatId: '@a', senderId: '@a', toId: '@me', isSelf: false, text: 'hi', mentionsSelf: false, mentions: [], createdAt: 0 },
    fakeBotHandle({
      send: async (_to, content) => ({ id: 'r1', account: 'a1', chatId: '@a', type: content.type, status: 'queued', attempts: 0, createdAt: 0 }),
    }),
    silentLogger(),
  );
  const wrap = (name: string, mw: Middleware<Context>) => boundary(mw, { name, timeoutMs, clock, watchdog, report: (e) => reports.push(e) });
  return { clock, watchdog, reports, ctx, wrap, steps: hostState(ctx).trace };
}

describe('boundary(mw, options)', () => {
  it('reports a throw under the plugin and calls next on its behalf', async () => {
    const { ctx, wrap, reports, steps } = setup();
    let downstream = 0;
    await wrap('thrower', () => {
      throw new Error('boom');
    })(ctx, async () => void downstream++);
    assert.equal(downstream, 1);
    assert.deepEqual(
      reports.map((r) => [r.plugin, r.kind, r.messageId]),
      [['thrower', 'threw', 'm1']],
    );
    assert.deepEqual(
      steps.map((s) => [s.plugin, s.outcome, s.error]),
      [['thrower', 'failed', 'boom']],
    );
  });

  it('reports a rejection after next() without running downstream twice', async () => {
    const { ctx, wrap, reports } = setup();
    let downstream = 0;
    await wrap('late-failure', async (_c, next) => {
      await next();
      throw new Error('after next');
    })(ctx, async () => void downstream++);
    assert.equal(downstream, 1);
    assert.deepEqual(
      reports.map((r) => r.kind),
      ['rejected'],
    );
  });

  it('reports a hang after the plugin’s own time and lets the chain go on', async () => {
    const { clock, ctx, wrap, reports, steps, watchdog } = setup(1000);
    let downstream = 0;
    const run = wrap('hanger', () => new Promise(() => {}))(ctx, async () => void downstream++);
    await clock.advance(990);
    assert.equal(reports.length, 0, 'not before its time');
    await clock.advance(30);
    await run;
    assert.deepEqual(
      reports.map((r) => [r.plugin, r.kind]),
      [['hanger', 'timeout']],
    );
    assert.equal(steps[0]!.outcome, 'timeout');
    assert.equal(downstream, 1);
    watchdog.close();
  });

  it('does not count the time spent downstream (after next) against the plugin', async () => {
    const { clock, ctx, wrap, reports, steps, watchdog } = setup(1000);
    let finishDownstream!: () => void;
    const run = wrap('polite', async (_c, next) => {
      await next();
    })(ctx, () => new Promise<void>((r) => (finishDownstream = r)));
    await clock.advance(5000);
    finishDownstream();
    await run;
    assert.deepEqual(reports, []);
    assert.equal(steps[0]!.outcome, 'ran');
    watchdog.close();
  });

  it('marks the plugin that replied, and one that stopped the chain', async () => {
    const { ctx, wrap, steps } = setup();
    await wrap('quiet', () => undefined)(ctx, async () => {});
    await wrap('answering', (c) => c.reply('ok'))(ctx, async () => {});
    assert.deepEqual(
      steps.map((s) => [s.plugin, s.outcome]),
      [
        ['quiet', 'stopped'],
        ['answering', 'replied'],
      ],
    );
  });
});
