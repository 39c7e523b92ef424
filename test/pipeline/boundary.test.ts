// boundary(mw, options): one plugin's error boundary and time budget (src/pipeline/boundary.ts),
// on a fake clock: a throw or rejection is reported under the plugin's name and the chain goes on;
// a hang is reported after the plugin's own time; time spent downstream does not count.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boundary, boundaryChain, Watchdog } from '../../src/pipeline/boundary.js';
import { Context } from '../../src/pipeline/context.js';
import { hostState } from '../../src/pipeline/context-host.js';
import { compose, type Middleware } from '../../src/pipeline/compose.js';
import type { PluginError } from '../../src/pipeline/plugin.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/logger.js';
import { fakeBotHandle } from '../helpers/fake-bot-handle.js';

function setup(timeoutMs = 1000) {
  const clock = new FakeClock(0);
  const watchdog = new Watchdog(clock, 10);
  const reports: PluginError[] = [];
  /** The `source` of each reply sent. */
  const sources: string[] = [];
  const ctx = new Context(
    { id: 'm1', type: 'text', chatId: '@a', senderId: '@a', toId: '@me', isSelf: false, text: 'hi', mentionsSelf: false, mentions: [], createdAt: 0 },
    fakeBotHandle({
      send: async (_to, content, options) => {
        sources.push(options?.source ?? '');
        return { id: 'r1', account: 'a1', chatId: '@a', type: content.type, status: 'queued', attempts: 0, createdAt: 0 };
      },
    }),
    silentLogger(),
  );
  const wrap = (name: string, mw: Middleware<Context>) => boundary(mw, { name, timeoutMs, clock, watchdog, report: (e) => reports.push(e) });
  return { clock, watchdog, reports, sources, ctx, wrap, steps: hostState(ctx).trace };
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

  it('counts a plugin’s own time before and after next() across the plugins after it, not theirs', async () => {
    const { clock, ctx, wrap, reports, steps, watchdog } = setup(1000);
    let finishDownstream!: () => void;
    const run = compose(
      [
        wrap('slow-around', async (_c, next) => {
          await clock.sleep(600);
          await next();
          await clock.sleep(600);
        }),
        wrap('polite', async (_c, next) => {
          await next();
        }),
      ],
      { warn: false },
    )(ctx, () => new Promise<void>((r) => (finishDownstream = r)));
    await clock.advance(600);
    await clock.advance(5000);
    finishDownstream();
    await clock.advance(390);
    assert.equal(reports.length, 0, '990 ms of its own so far');
    await clock.advance(30);
    await run;
    assert.deepEqual(
      reports.map((r) => [r.plugin, r.kind]),
      [['slow-around', 'timeout']],
    );
    assert.deepEqual(
      steps.map((s) => [s.plugin, s.outcome]),
      [
        ['slow-around', 'timeout'],
        ['polite', 'ran'],
      ],
    );
    assert.equal(steps[1]!.ms, 5000);
    // 600 ms before next(), 400 after the 5 s downstream, found at the watchdog's next 10-ms tick.
    assert.ok(steps[0]!.ms >= 6000 && steps[0]!.ms <= 6010, `timed out at ${steps[0]!.ms} ms`);
    watchdog.close();
  });

  it('reads the clock twice per plugin that passes the message on (the next plugin hands over its reads)', async () => {
    const { clock, ctx, watchdog } = setup();
    let reads = 0;
    const counting = Object.assign(Object.create(clock) as FakeClock, { now: () => (reads++, clock.now()) });
    const layer = (name: string, mw: Middleware<Context>) => ({ mw, options: { name, timeoutMs: 1000, clock: counting, watchdog, report: () => {} } });
    const passOn: Middleware<Context> = async (_c, next) => {
      await next();
    };
    await boundaryChain([layer('a', passOn), layer('b', passOn), layer('c', passOn)])(ctx);
    // a, b, c start and settle (6); c's next() is the end of the chain, where nothing runs: no pause to read.
    assert.equal(reads, 6);
    reads = 0;
    // Plugins that return next()'s promise (a filter that did not match) settle with the last one, on its read.
    const through: Middleware<Context> = (_c, next) => next();
    await boundaryChain([layer('d', through), layer('e', through), layer('f', passOn)])(ctx);
    assert.equal(reads, 4);
    watchdog.close();
  });

  it('a plugin that returns next() settles with the plugins after it, and only they are timed out', async () => {
    const { clock, ctx, reports, steps, watchdog } = setup(1000);
    const layer = (name: string, mw: Middleware<Context>) => ({
      mw,
      options: { name, timeoutMs: 1000, clock, watchdog, report: (e: PluginError) => reports.push(e) },
    });
    const order: string[] = [];
    const run = boundaryChain([
      layer('outer', async (_c, next) => {
        await next();
        order.push('outer after next');
      }),
      layer('filter', (_c, next) => next()),
      layer('slow', async (_c, next) => {
        await clock.sleep(300);
        await next();
        order.push('slow after next');
      }),
      layer('hanger', () => new Promise(() => {})),
    ])(ctx);
    await clock.advance(300);
    await clock.advance(1100);
    await run;
    assert.deepEqual(order, ['slow after next', 'outer after next']);
    assert.deepEqual(
      reports.map((r) => [r.plugin, r.kind]),
      [['hanger', 'timeout']],
    );
    assert.deepEqual(
      steps.map((s) => [s.plugin, s.outcome]),
      [
        ['outer', 'ran'],
        ['filter', 'ran'],
        ['slow', 'ran'],
        ['hanger', 'timeout'],
      ],
    );
    // The filter's time is that of the plugins after it (it had nothing left of its own), as the outer plugin's is.
    assert.equal(steps[1]!.ms, steps[2]!.ms);
    assert.equal(steps[0]!.ms, steps[1]!.ms);
    assert.ok(steps[2]!.ms >= 1300 && steps[2]!.ms <= 1410, `slow took ${steps[2]!.ms} ms`);
    watchdog.close();
  });

  it('names the plugin that answers after next() at the end of the chain, and a throw after a pass-through', async () => {
    const { clock, ctx, reports, sources, steps, watchdog } = setup(1000);
    const layer = (name: string, mw: Middleware<Context>) => ({
      mw,
      options: { name, timeoutMs: 1000, clock, watchdog, report: (e: PluginError) => reports.push(e) },
    });
    const order: string[] = [];
    await boundaryChain([
      layer('outer', async (_c, next) => {
        await next();
        order.push('outer resumed');
      }),
      layer('through', (_c, next) => next()),
      layer('thrower', () => {
        throw new Error('boom');
      }),
      layer('last', async (c, next) => {
        await next();
        await c.reply('late answer');
        order.push('last answered');
      }),
    ])(ctx);
    assert.deepEqual(sources, ['plugin:last']);
    assert.deepEqual(order, ['last answered', 'outer resumed']);
    assert.deepEqual(
      steps.map((s) => [s.plugin, s.outcome]),
      [
        ['outer', 'ran'],
        ['through', 'ran'],
        ['thrower', 'failed'],
        ['last', 'replied'],
      ],
    );
    assert.deepEqual(
      reports.map((r) => [r.plugin, r.kind]),
      [['thrower', 'threw']],
    );
    watchdog.close();
  });

  it('a plugin that fails while what it passed on still runs lets the plugins before it resume only when that is done', async () => {
    const { clock, ctx, reports, sources, steps, watchdog } = setup(1000);
    const layer = (name: string, mw: Middleware<Context>, timeoutMs = 1000) => ({
      mw,
      options: { name, timeoutMs, clock, watchdog, report: (e: PluginError) => reports.push(e) },
    });
    let finishLast!: () => void;
    const run = boundaryChain([
      layer('outer', async (c, next) => {
        await next();
        await c.reply('outer answers');
      }),
      layer('through', (_c, next) => next()),
      layer('forgetful', async (_c, next) => {
        void next();
        await Promise.resolve();
        throw new Error('after a next() without await');
      }),
      layer('last', () => new Promise<void>((r) => (finishLast = r)), 5000),
    ])(ctx);
    // Two seconds in the last plugin (its budget is 5): the outer plugin waits for it, paused, so it is not timed out.
    await clock.advance(2000);
    assert.deepEqual(
      reports.map((r) => [r.plugin, r.kind]),
      [['forgetful', 'rejected']],
    );
    finishLast();
    await run;
    assert.deepEqual(sources, ['plugin:outer']);
    assert.deepEqual(
      steps.map((s) => [s.plugin, s.outcome]),
      [
        ['outer', 'replied'],
        ['through', 'ran'],
        ['forgetful', 'failed'],
        ['last', 'stopped'],
      ],
    );
    assert.equal(steps[0]!.ms, 2000);
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
