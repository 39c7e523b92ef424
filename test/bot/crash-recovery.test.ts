import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { waitUntil } from '../../src/testing/conversation.js';
import { RecordingTransport } from './fixtures/recording-transport.js';
import { CHILD_TEST_TIMEOUT_MS, spawnChild } from '../helpers/child.js';

const N = 300;
/** Sends the first process makes before it hangs in the next one and is killed. */
const SENT_BEFORE_KILL = 20;

describe('outbound queue durability (kill -9 mid-burst)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-kill-'));
  const sentLog = join(dir, 'sent.log');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a restarted process sends every accepted message that the killed one had not sent', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const child = await spawnChild('test/bot/fixtures/burst-child.ts', [dir, sentLog, String(N), String(SENT_BEFORE_KILL)]);
    await child.printed(`accepted ${N}`);
    // The child sends SENT_BEFORE_KILL, then hangs in the next send: killed there, it is mid-burst at any speed (a
    // loaded machine once let it send all N before the kill landed).
    await waitUntil(
      () => existsSync(sentLog) && readFileSync(sentLog, 'utf8').split('\n').filter(Boolean).length === SENT_BEFORE_KILL,
      CHILD_TEST_TIMEOUT_MS,
      'the first sends',
    );
    child.kill('SIGKILL');
    assert.equal(await child.exited, 'SIGKILL');
    const beforeRestart = readFileSync(sentLog, 'utf8').split('\n').filter(Boolean);
    assert.equal(beforeRestart.length, SENT_BEFORE_KILL, `killed mid-burst (${beforeRestart.length} of ${N} sent)`);

    // Restart on the same data directory: the saved session resumes and the queue drains.
    const store = await openTestStore({ dataDir: dir });
    const manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => new RecordingTransport(sentLog, 0),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
    });
    await manager.startAll();
    const bot = manager.get(manager.list()[0]!.id)!;
    await waitUntil(() => bot.info().state === 'online', 5000, 'online again');
    await waitUntil(async () => (await store.outbound.list(bot.id, { status: 'queued', limit: 1 })).length === 0, 20_000, 'the queue to drain');
    await bot.queue.idle();
    await manager.stopAll();
    const all = readFileSync(sentLog, 'utf8').split('\n').filter(Boolean);
    const unique = new Set(all);
    assert.equal(unique.size, N, `every accepted message was sent (${unique.size} of ${N})`);
    // At-least-once: only a message cut off while in flight may go twice.
    assert.ok(all.length - unique.size <= 1, `${all.length - unique.size} duplicates`);
    // Order is kept: the sends of the restarted process continue the sequence.
    const after = all.slice(beforeRestart.length).map((t) => Number(t.slice(1)));
    for (let i = 1; i < after.length; i++) assert.ok(after[i]! > after[i - 1]!, 'in order');
    assert.equal((await store.outbound.list(bot.id, { status: 'sent', limit: 500 })).length, N);
    store.close();
  });
});
