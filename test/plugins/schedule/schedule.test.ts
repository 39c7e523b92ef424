import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, nextFire, occurrences, plugin } from '../../../plugins/schedule/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { createConversation, type Conversation } from '../../../src/testing/index.js';
import { sentLine, WORLD } from '../world.js';
import { storeSettled } from '../../helpers/store-activity.js';

const T = (iso: string): number => Date.parse(iso);
const MIN = 60_000;
let dirs: string[] = [];
let open: Conversation[] = [];
afterEach(async () => {
  for (const x of open) await x.close();
  open = [];
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('schedule nextFire(occ, lastFired, now, catchUp)', () => {
  const occ = occurrences({ cron: '0 9 * * *', at: '', timezone: 'UTC' }, '');
  const cases: [string, number | undefined, string, number, string | undefined][] = [
    ['first start: the next occurrence', undefined, '2024-01-01T08:00:00Z', 10 * MIN, '2024-01-01T09:00:00.000Z'],
    ['first start after today’s: tomorrow', undefined, '2024-01-01T09:30:00Z', 10 * MIN, '2024-01-02T09:00:00.000Z'],
    ['fired today: tomorrow', T('2024-01-01T09:00:00Z'), '2024-01-01T09:01:00Z', 10 * MIN, '2024-01-02T09:00:00.000Z'],
    ['missed by 5 min: now (late)', T('2024-01-01T09:00:00Z'), '2024-01-02T09:05:00Z', 10 * MIN, '2024-01-02T09:00:00.000Z'],
    ['missed by 2 h: skipped', T('2024-01-01T09:00:00Z'), '2024-01-02T11:00:00Z', 10 * MIN, '2024-01-03T09:00:00.000Z'],
    ['missed several: only the latest', T('2024-01-01T09:00:00Z'), '2024-01-05T09:01:00Z', 5 * 24 * 60 * MIN, '2024-01-05T09:00:00.000Z'],
  ];
  for (const [name, last, now, catchUp, want] of cases) {
    it(name, () => {
      const got = nextFire(occ, last, T(now), catchUp);
      assert.equal(got === undefined ? undefined : new Date(got).toISOString(), want);
    });
  }
  it('a one-off fires once', () => {
    const once = occurrences({ cron: '', at: '2024-01-01T17:00', timezone: 'Asia/Shanghai' }, '');
    assert.equal(nextFire(once, undefined, T('2024-01-01T00:00:00Z'), 0), T('2024-01-01T09:00:00Z'));
    assert.equal(nextFire(once, T('2024-01-01T09:00:00Z'), T('2024-01-01T09:00:01Z'), 10 * MIN), undefined);
  });
});

describe('schedule config', () => {
  it('rejects jobs with both or neither timing, bad cron, and duplicate names', () => {
    const r = configSchema.safeParse({
      jobs: [
        { name: 'a', to: ['Family'], text: 'x', cron: '0 9 * * *', at: '2024-01-01T09:00' },
        { name: 'b', to: ['Family'], text: 'x' },
        { name: 'c', to: ['Family'], text: 'x', cron: 'every day' },
        { name: 'c', to: ['Family'], text: 'x', at: 'tomorrow' },
      ],
    });
    assert.equal(r.success, false);
    const msgs = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.deepEqual(msgs.sort(), [
      'jobs.0.at: set cron or at, not both',
      'jobs.1.cron: a job needs a cron expression (repeating) or an at time (once)',
      'jobs.2.cron: invalid cron expression "every day"',
      'jobs.3.at: use YYYY-MM-DDTHH:MM (optionally with seconds and an offset)',
      'jobs.3.name: job name "c" is used twice',
    ]);
  });
});

describe('plugin schedule', () => {
  const config = {
    timezone: 'UTC',
    jobs: [
      {
        name: 'morning',
        to: ['Family', 'Ann'],
        text: 'Good morning, it is {date} {time}',
        cron: '0 9 * * *',
      },
      { name: 'once', to: ['Work'], text: 'Meeting now', at: '2024-01-01T12:00' },
    ],
  };
  /** The account (re)started at `at` on the store in `dataDir`, with its own fake clock. */
  async function session(dataDir: string, at: string): Promise<{ chat: Conversation; clock: FakeClock; advance(ms: number): Promise<string[]> }> {
    const clock = new FakeClock(T(at));
    const chat = await createConversation({ plugins: [plugin], config: { schedule: config }, world: WORLD, clock, dataDir });
    // A job's writes (its last run, its sends) wait on the server on PostgreSQL: each step of the clock waits for them first.
    clock.settle = storeSettled(chat.store);
    open.push(chat);
    let seen = 0;
    return {
      chat,
      clock,
      /** Move time on, let the sends it caused go out, and return them (`chat <- text`). */
      async advance(ms) {
        await clock.advance(ms);
        await chat.idle();
        const out = chat.fake!.sent.slice(seen).map(sentLine);
        seen = chat.fake!.sent.length;
        return out;
      },
    };
  }
  const stopSession = async (chat: Conversation): Promise<void> => {
    await chat.close();
    open = open.filter((x) => x !== chat);
  };

  it('sends on time, to every chat, and survives restarts without double sends', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-schedule-'));
    dirs.push(dataDir);
    // Day 1: start before nine, the morning job fires at 09:00, the one-off at 12:00.
    let s = await session(dataDir, '2024-01-01T08:59:00Z');
    assert.deepEqual(await s.advance(59_000), []);
    assert.deepEqual(await s.advance(1000), ['@@family <- Good morning, it is 2024-01-01 09:00', '@ann <- Good morning, it is 2024-01-01 09:00']);
    const first = (await s.chat.store.outbound.list(s.chat.bot.id, { chatId: '@@family', limit: 5 }))[0];
    assert.equal(first?.idempotencyKey, `schedule:morning:${T('2024-01-01T09:00:00Z')}:Family`);
    assert.deepEqual(await s.advance(3 * 3600_000), ['@@work <- Meeting now']);
    await stopSession(s.chat);

    // Restart the same day: nothing already sent goes out again.
    s = await session(dataDir, '2024-01-01T12:00:30Z');
    assert.deepEqual(await s.advance(MIN), []);
    await stopSession(s.chat);

    // Down over the next nine o'clock by 5 minutes: sent once, late.
    s = await session(dataDir, '2024-01-02T09:05:00Z');
    assert.deepEqual(await s.advance(MIN), ['@@family <- Good morning, it is 2024-01-02 09:00', '@ann <- Good morning, it is 2024-01-02 09:00']);
    await stopSession(s.chat);

    // Down for two hours past nine: skipped, and the next day is on time.
    s = await session(dataDir, '2024-01-03T11:00:00Z');
    assert.deepEqual(await s.advance(MIN), []);
    assert.deepEqual(await s.advance(22 * 3600_000), ['@@family <- Good morning, it is 2024-01-04 09:00', '@ann <- Good morning, it is 2024-01-04 09:00']);
  });

  it('stops its loops when switched off', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-schedule-'));
    dirs.push(dataDir);
    const s = await session(dataDir, '2024-01-01T08:00:00Z');
    await s.chat.disable('schedule');
    assert.deepEqual(await s.advance(2 * 3600_000), []);
    await s.chat.enable('schedule');
    assert.deepEqual(
      await s.advance(24 * 3600_000),
      ['@@work <- Meeting now', '@@family <- Good morning, it is 2024-01-02 09:00', '@ann <- Good morning, it is 2024-01-02 09:00'],
      'on again: later jobs are sent',
    );
  });
});
