// kill -9 while a send is in flight (issue 13): after the restart the queue looks for WeChat's own
// echo of the row before sending it again. A fresh row's first hand-over writes no mark (issue 17: no
// COMMIT of its own per send); the oldest queued row of its chat counts as handed since its creation.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { FaultKind } from '../../src/sandbox/state.js';
import { silentLogger } from '../../src/logger.js';
import { CHILD_TEST_TIMEOUT_MS, spawnChild } from '../helpers/child.js';
import { FAST } from '../helpers/fast.js';
import { waitUntil } from '../../src/testing/wait.js';
import { rawRows } from '../helpers/raw-db.js';
import { plugin as echo } from '../../plugins/echo/index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An AccountManager on the web protocol against the sandbox, unpaced, quick to retry. */
async function accountOn(dataDir: string, sb: RunningSandbox, o: { echo?: boolean } = {}): Promise<{ store: Store; manager: AccountManager }> {
  const store = await openTestStore({ dataDir });
  const manager = new AccountManager({
    store,
    log: silentLogger(),
    createTransport: () => createWebTransport({ endpoint: sb.origin, ...FAST }),
    pluginRegistry: new PluginRegistry(o.echo ? [echo] : []),
    ...(o.echo && { botPlugins: ['echo'] }),
    sendPacing: 'off',
    autoRelogin: false,
    retry: { network: { baseMs: 20, maxMs: 100, maxAttempts: 5 } },
  });
  return { store, manager };
}

/**
 * A child sends `text` while the sandbox applies `fault` to webwxsendmsg (held for a minute), and
 * is killed with SIGKILL as soon as the send reached the sandbox. Then the account restarts in
 * this process on the same DATA_DIR and the stored session; resolves once the row is settled.
 */
async function crashWhileSending(
  fault: FaultKind,
  text: string,
): Promise<{ sb: RunningSandbox; sentBefore: number; sentAfter: number; row: Record<string, unknown> }> {
  const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 6, rooms: 1, roomSize: 3, rateLimits: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-sendkill-'));
  dirs.push(dataDir);
  sb.state.faults.push({ kind: fault, remaining: 1, endpoint: 'webwxsendmsg', ms: 60_000 });
  const faultsBefore = sb.state.counters.faults;
  const child = await spawnChild('test/bot/fixtures/send-child.ts', [dataDir, sb.origin, text]);
  await child.printed('accepted');
  // The send call reached the sandbox (the fault took it): the row was handed before the call.
  await waitUntil(() => sb.state.counters.faults > faultsBefore, 20_000, 'the send to reach the sandbox');
  child.kill('SIGKILL');
  assert.equal(await child.exited, 'SIGKILL');
  const sentTexts = async (): Promise<number> => (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
  const sentBefore = await sentTexts();

  const row = async (): Promise<Record<string, unknown>> =>
    (await rawRows<Record<string, unknown>>(dataDir, 'select status, wechat_id, handed_at, attempts from outbound where text = ?', text))[0]!;
  // The hand-over of a fresh row committed nothing: the crash left it as it was queued.
  assert.deepEqual(await row(), { status: 'queued', wechat_id: null, handed_at: null, attempts: 0 });
  const { store, manager } = await accountOn(dataDir, sb);
  try {
    await manager.startAll();
    const bot = manager.get(manager.list()[0]!.id)!;
    await waitUntil(async () => (await row()).status === 'sent', 20_000, 'the row to be settled after the restart');
    await bot.queue.idle();
    return { sb, sentBefore, sentAfter: await sentTexts(), row: await row() };
  } finally {
    await manager.stopAll();
    store.close();
  }
}

describe('a send cut off by kill -9 (crash window between hand-over and answer)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('reached WeChat (its answer was lost): after the restart the echo is found and it is not sent again', async () => {
    const r = await crashWhileSending('answer-lost', 'crash window: arrived');
    try {
      assert.equal(r.sentBefore, 1, 'WeChat had it before the kill');
      assert.equal(r.sentAfter, 1, 'not sent a second time');
      const inWeChat = (await r.sb.control.sent({})).messages.find((m) => m.text === 'crash window: arrived')!;
      assert.equal(r.row.wechat_id, inWeChat.msgId, 'marked sent with the MsgId of the echo');
    } finally {
      await r.sb.close();
    }
  });

  it('never reached WeChat: after the restart no echo is found and it is sent exactly once', async () => {
    const r = await crashWhileSending('timeout', 'crash window: lost');
    try {
      assert.equal(r.sentBefore, 0, 'WeChat did not have it before the kill');
      assert.equal(r.sentAfter, 1, 'sent once after the restart');
    } finally {
      await r.sb.close();
    }
  });

  it('an answer lost while running (reset after WeChat took it): the retry finds the echo and does not send again', async () => {
    const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 6, rooms: 1, roomSize: 3, rateLimits: false });
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-lostanswer-'));
    dirs.push(dataDir);
    const { store, manager } = await accountOn(dataDir, sb);
    try {
      const bot = await manager.add('lost');
      await waitUntil(() => bot.info().state === 'online' && bot.directory.contacts().some((c) => c.kind === 'friend'), 20_000, 'online');
      const friend = bot.directory.contacts().find((c) => c.kind === 'friend')!;
      sb.state.faults.push({ kind: 'answer-lost', remaining: 1, endpoint: 'webwxsendmsg', ms: 10 });
      const rec = await bot.send({ id: friend.id }, { type: 'text', text: 'answer lost once' });
      const done = await bot.waitFor(rec.id, 20_000);
      assert.equal(done.status, 'sent');
      await bot.queue.idle();
      const inWeChat = (await sb.control.sent({})).messages.filter((m) => m.text === 'answer lost once');
      assert.equal(inWeChat.length, 1, 'sent once');
      assert.equal(done.wechatId, inWeChat[0]!.msgId);
    } finally {
      await manager.stopAll();
      store.close();
      await sb.close();
    }
  });
});

describe('a message whose reply was queued, cut off by kill -9 before their COMMIT', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  // The pipeline takes a message once its row is written, so the reply it queues shares the message's
  // COMMIT (issue 17: one COMMIT turn from receiving to sending). A crash before that COMMIT keeps
  // neither and sends nothing; WeChat delivers the message again from the saved sync key, and the
  // restarted process answers it once. (Before, the message was committed alone first: a crash before
  // the reply's COMMIT left it stored, so its second delivery was taken for a duplicate and never answered.)
  it('sends nothing before the kill, and answers the message exactly once after the restart', async () => {
    const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 6, rooms: 1, roomSize: 3, rateLimits: false });
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-replykill-'));
    dirs.push(dataDir);
    const text = 'answer me after a crash';
    const replies = async (): Promise<number> => (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
    try {
      const child = await spawnChild('test/bot/fixtures/reply-crash-child.ts', [dataDir, sb.origin]);
      await child.printed('online as a friend of ');
      const friend = /online as a friend of (.+)\n/.exec(child.out())![1]!;
      await sb.control.sendMessage({ from: friend, text });
      await child.printed('blocked at commit');
      child.kill('SIGKILL');
      assert.equal(await child.exited, 'SIGKILL');
      assert.equal(await replies(), 0, 'nothing was sent before the COMMIT');
      const stored = (): Promise<Record<string, unknown>[]> => rawRows(dataDir, 'select id from messages where text = ? and is_self = 0', text);
      assert.equal((await stored()).length, 0, 'the message was not kept: it is handled again');

      const { store, manager } = await accountOn(dataDir, sb, { echo: true });
      try {
        await manager.startAll();
        const bot = manager.get(manager.list()[0]!.id)!;
        await sb.control.waitForSent((m) => m.text === text, { timeoutMs: 60_000 });
        await manager.runtime(bot.id)!.idle();
        await bot.queue.idle();
        assert.equal(await replies(), 1, 'answered once');
        assert.equal((await stored()).length, 1, 'stored once');
      } finally {
        await manager.stopAll();
        store.close();
      }
    } finally {
      await sb.close();
    }
  });
});

describe('a send answered by WeChat, cut off by kill -9 before the COMMIT of its final state', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  // The final states of sends commit in batches (issue 17: one COMMIT for the answers of a burst), so a row that
  // reached WeChat stays 'queued' in the store until its batch commits (here: while another call is under way). A
  // crash in that window must not send it twice: the restarted queue finds its echo. The chat's next row was not
  // handed over meanwhile (a chat waits for its previous row's COMMIT), so it goes out once, after the restart.
  it('sends no row twice: the answered one is marked from its echo, the one behind it and the held one go once', async () => {
    const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 6, rooms: 1, roomSize: 3, rateLimits: false });
    const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-settlekill-'));
    dirs.push(dataDir);
    const held = 'settle window: held by WeChat';
    const texts = ['settle window: first', 'settle window: second'];
    const inWeChat = async (text: string): Promise<{ msgId: string }[]> => (await sb.control.sent({})).messages.filter((m) => m.text === text);
    const rows = (): Promise<Record<string, unknown>[]> => rawRows(dataDir, 'select text, status, wechat_id from outbound order by seq');
    try {
      // The first send call (to the other friend) is held: the answer to the first text then waits for its batch.
      sb.state.faults.push({ kind: 'timeout', remaining: 1, endpoint: 'webwxsendmsg', ms: 60_000 });
      const child = await spawnChild('test/bot/fixtures/settle-crash-child.ts', [dataDir, sb.origin, held, ...texts]);
      await child.printed('blocked at commit');
      child.kill('SIGKILL');
      assert.equal(await child.exited, 'SIGKILL');
      assert.equal((await inWeChat(texts[0]!)).length, 1, 'WeChat answered the first send before the kill');
      assert.equal((await inWeChat(texts[1]!)).length, 0, 'the second waited for the COMMIT of the first');
      assert.deepEqual(
        (await rows()).map((r) => r.status),
        ['queued', 'queued', 'queued'],
        'no final state was committed',
      );

      const { store, manager } = await accountOn(dataDir, sb);
      try {
        await manager.startAll();
        const bot = manager.get(manager.list()[0]!.id)!;
        await waitUntil(async () => (await rows()).every((r) => r.status === 'sent'), 20_000, 'every row to be settled after the restart');
        await bot.queue.idle();
        for (const text of [held, ...texts]) assert.equal((await inWeChat(text)).length, 1, `"${text}" went to WeChat once`);
        const first = (await rows()).find((r) => r.text === texts[0]);
        assert.equal(first!.wechat_id, (await inWeChat(texts[0]!))[0]!.msgId, 'the first is marked sent with the MsgId of its echo');
      } finally {
        await manager.stopAll();
        store.close();
      }
    } finally {
      await sb.close();
    }
  });
});
