// WeChat unreachable (issue 16 item 5): the real web and iLink transports pointed at a closed port
// on 127.0.0.1, the real AccountManager and store, a FakeClock. Each failed login is one log line,
// the pauses grow 5 s, 10 s, 20 s … to the cap (±20 %), the account says what kind of failure it is
// and when it tries again, the timeline keeps every attempt, and Retry starts an attempt at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AccountManager } from '../../src/accounts/account-manager.js';
import type { TimelineEntry } from '../../src/accounts/account-timeline.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import { createIlinkTransport } from '../../src/ilink/index.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { waitUntil } from '../../src/testing/wait.js';
import { FAST } from '../helpers/fast.js';
import { closedPort } from '../helpers/closed-port.js';

describe('login back-off while WeChat is unreachable', () => {
  let dir: string;
  let store: Store;
  let manager: AccountManager;
  let clock: FakeClock;
  const lines: { level: number; msg: string; err?: unknown; stack?: unknown }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-backoff-'));
    store = await openTestStore({ dataDir: dir });
    clock = new FakeClock(Date.UTC(2026, 10, 29, 12), 11);
    const origin = `http://127.0.0.1:${await closedPort()}`;
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    manager = new AccountManager({
      store,
      log,
      clock,
      createTransport: (id, kind) =>
        kind === 'ilink'
          ? createIlinkTransport({ baseUrl: origin, cdnUrl: `${origin}/c2c`, version: '0.0.0', clock, log: log.child({ account: id }) })
          : createWebTransport({ endpoint: origin, clock, log: log.child({ account: id }), ...FAST }),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      botPlugins: [],
      loginRetryMaxMs: 120_000,
    });
  });
  after(async () => {
    await manager.stopAll();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const failures = async (id: string): Promise<Extract<TimelineEntry, { kind: 'login-failed' }>[]> =>
    (await manager.timeline(id, 200)).filter((e): e is Extract<TimelineEntry, { kind: 'login-failed' }> => e.kind === 'login-failed').reverse();

  for (const transport of ['web', 'ilink'] as const) {
    it(`${transport}: backs off 5 s, 10 s, 20 s … to the cap, one log line per attempt, and says why`, async () => {
      const bot = await manager.add(`unreachable ${transport}`, { transport });
      const id = bot.id;
      const mine = (): typeof lines => lines.filter((l) => /login failed/.test(l.msg) && JSON.stringify(l).includes(id));
      const delays: number[] = [];
      for (let n = 1; n <= 7; n++) {
        await waitUntil(async () => (await failures(id)).length === n, 10_000, `failed attempt ${n}`);
        const entry = (await failures(id))[n - 1]!;
        assert.equal(entry.attempt, n);
        assert.equal(entry.problem, 'refused', entry.message);
        const retry = bot.info().loginRetry!;
        assert.equal(retry.attempt, n);
        assert.equal(retry.problem?.kind, 'refused');
        assert.equal(retry.at, clock.now() + entry.retryInMs!);
        assert.equal(bot.info().state, 'failed');
        // One line per attempt, with the reason and the next delay, and no stack at info level.
        assert.equal(mine().length, n, JSON.stringify(mine()));
        const line = mine()[n - 1]!;
        assert.match(line.msg, new RegExp(`login failed \\(refused 127\\.0\\.0\\.1:\\d+\\); next attempt in \\d+ s`));
        assert.equal(line.err, undefined);
        assert.ok(!JSON.stringify(line).includes('    at '), 'no stack trace in the line');
        delays.push(entry.retryInMs!);
        await clock.advance(entry.retryInMs!);
      }
      const centres = [5000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000];
      delays.forEach((d, i) => assert.ok(d >= centres[i]! * 0.8 && d <= centres[i]! * 1.2, `pause ${i + 1}: ${d} ms`));
      assert.ok(
        delays.slice(5).every((d) => d >= 60_000),
        `capped pauses are at least a minute: ${delays.join(', ')}`,
      );
    });
  }

  it('Retry starts the next attempt at once instead of waiting out the pause', async () => {
    const bot = await manager.add('retry me');
    await waitUntil(async () => (await failures(bot.id)).length === 1, 10_000, 'the first failure');
    const wait = bot.info().loginRetry!;
    assert.ok(wait.at > clock.now());
    assert.equal(await manager.retryNow(bot.id), true);
    // No time passes on the clock, yet the second attempt runs (and fails the same way).
    await waitUntil(async () => (await failures(bot.id)).length === 2, 10_000, 'the attempt Retry started');
    const kinds = (await manager.timeline(bot.id)).map((e) => e.kind);
    assert.deepEqual(kinds.slice(0, 3), ['login-failed', 'retry-now', 'login-failed']);
    assert.equal(bot.info().loginRetry!.attempt, 2);
  });

  it('Start on an account that waits out its back-off tries at once too (the page shows Start for a failed account)', async () => {
    const bot = await manager.add('start me');
    await waitUntil(async () => (await failures(bot.id)).length === 1, 10_000, 'the first failure');
    await manager.start(bot.id);
    await waitUntil(async () => (await failures(bot.id)).length === 2, 10_000, 'the attempt Start started');
  });

  it('stopping the account ends the wait: no attempt after stop', async () => {
    const bot = await manager.add('stop me');
    await waitUntil(async () => (await failures(bot.id)).length === 1, 10_000, 'the first failure');
    await manager.stop(bot.id);
    assert.equal(bot.info().loginRetry, undefined);
    await clock.advance(600_000);
    assert.equal((await failures(bot.id)).length, 1);
    assert.equal(bot.info().state, 'stopped');
  });
});
