import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compose, type Middleware } from '../../src/pipeline/compose.js';

describe('compose(middleware)', () => {
  it('runs middleware in onion order', async () => {
    const order: string[] = [];
    const mw =
      (n: string): Middleware<unknown> =>
      async (_ctx, next) => {
        order.push(`${n}>`);
        await next();
        order.push(`<${n}`);
      };
    await compose([mw('a'), mw('b'), mw('c')])({});
    assert.deepEqual(order, ['a>', 'b>', 'c>', '<c', '<b', '<a']);
  });

  it('stops when a middleware does not call next', async () => {
    const seen: string[] = [];
    await compose<unknown>([() => void seen.push('a'), () => void seen.push('b')])({});
    assert.deepEqual(seen, ['a']);
  });

  it('calls the final next after the chain', async () => {
    let last = false;
    await compose<unknown>([(_c, next) => next()])({}, async () => void (last = true));
    assert.equal(last, true);
  });

  it('rejects a second next() call', async () => {
    const run = compose<unknown>([
      async (_c, next) => {
        await next();
        await next();
      },
    ]);
    await assert.rejects(run({}), /next\(\) called multiple times/);
  });

  it('propagates a throw as a rejection', async () => {
    await assert.rejects(
      compose<unknown>([
        () => {
          throw new Error('boom');
        },
      ])({}),
      /boom/,
    );
  });

  it('warns when a middleware resolves before its downstream (missing await)', async () => {
    const warnings: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const run = compose<unknown>(
      [
        async (_c, next) => {
          void next(); // missing await
        },
        () => slow,
      ],
      { warn: (m) => warnings.push(m) },
    );
    await run({});
    release();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /resolved before downstream/);
  });

  it('does not warn when next() is awaited', async () => {
    const warnings: string[] = [];
    await compose<unknown>([async (_c, next) => next(), async () => new Promise((r) => setTimeout(r, 1))], { warn: (m) => warnings.push(m) })({});
    assert.deepEqual(warnings, []);
  });

  it('names the layer that forgot its await, deep in the chain, once per run', async () => {
    const warnings: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const run = compose<unknown>(
      [
        async (_c, next) => {
          await next();
        },
        async (_c, next) => {
          void next(); // missing await
        },
        async (_c, next) => {
          await slow;
          await next();
        },
      ],
      { warn: (m) => warnings.push(m) },
    );
    await run({});
    release();
    await slow;
    assert.deepEqual(warnings, ['middleware #1 resolved before downstream — missing await on next()?']);
  });

  it('stays silent on a deep awaited chain with a caught rejection, a sync throw and a final next', async () => {
    const warnings: string[] = [];
    const tick = () => new Promise<void>((r) => setImmediate(r));
    const run = compose<{ n: number }>(
      [
        async (c, next) => {
          await tick();
          await next();
          c.n++;
        },
        async (c, next) => {
          try {
            await next();
          } catch {
            c.n += 10;
          }
          await tick();
        },
        (_c, next) => next(),
        async (_c, next) => {
          await next();
          throw new Error('after downstream');
        },
        () => {
          throw new Error('sync');
        },
      ],
      { warn: (m) => warnings.push(m) },
    );
    const ctx = { n: 0 };
    await run(ctx);
    await compose<unknown>([async (_c, next) => next(), (_c, next) => next()], { warn: (m) => warnings.push(m) })({}, tick);
    assert.equal(ctx.n, 11);
    assert.deepEqual(warnings, []);
  });

  it('refuses a non-function', () => {
    assert.throws(() => compose([42 as unknown as Middleware<unknown>]), /must be a function/);
  });
});
