// Issue 17 (latency): a message and the reply the pipeline queues for it share ONE group COMMIT (the
// pipeline takes the message once its row is written, before the COMMIT), and the reply goes to the
// wire only after that COMMIT. Before, they waited for two COMMITs in a row: the message's, then the
// reply's. SQLite only: the group commit is SQLite's (src/store/gate.ts).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { contact, FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { spyOnCommits } from '../helpers/commit-spy.js';
import { withRawDb } from '../helpers/raw-db.js';
import { Composer, definePlugin, z } from '../../src/plugin.js';

interface CommitSeen {
  message: boolean;
  reply: boolean;
  /** Sends the transport had made when this COMMIT began. */
  sentBefore: number;
}

describe('a message and its reply: one COMMIT', () => {
  const dirs: string[] = [];
  const newDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'weiroto-onecommit-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('commits the message and the reply queued for it together, and sends the reply only after that COMMIT', async () => {
    let fake: FakeTransport | undefined;
    const commits: CommitSeen[] = [];
    const store = openSpiedStore(newDir(), (db) => {
      const seen = messageAndReply(db, 'ping');
      if (seen) commits.push({ ...seen, sentBefore: fake?.sent.length ?? 0 });
    });
    const manager = echoManager(store, (t) => (fake = t));
    try {
      const bot = await manager.add('one');
      await waitUntil(() => bot.info().state === 'online', 10_000, 'online');
      fake!.receive({ from: '@alice', text: 'ping' });
      const [sent] = await fake!.waitForSends(1, 10_000);
      assert.equal(sent!.text, 'ping');
      // The first COMMIT that keeps the message keeps the reply too, and nothing was sent before it.
      assert.deepEqual(commits[0], { message: true, reply: true, sentBefore: 0 });
    } finally {
      await manager.stopAll();
      await store.close();
    }
  });

  it('a lone message: its reply is committed and handed to the transport within the turn that received it, not at the group’s natural end', async () => {
    let fake: FakeTransport | undefined;
    /** The turn's other callbacks have run (an immediate queued as the message arrived, before the group opened). */
    let turnEnded = false;
    let counting = false;
    const commits: (CommitSeen & { turnEnded: boolean })[] = [];
    let commitsCounted = 0;
    const store = openSpiedStore(newDir(), (db) => {
      if (counting) commitsCounted++;
      const seen = messageAndReply(db, 'lone');
      if (seen) commits.push({ ...seen, sentBefore: fake?.sent.length ?? 0, turnEnded });
    });
    const manager = echoManager(store, (t) => (fake = t));
    try {
      const bot = await manager.add('one');
      await waitUntil(() => bot.info().state === 'online', 10_000, 'online');
      // Nothing of the login left in an open group (its last write names the account's self): the message's writes open their own.
      await waitUntil(async () => (await store.accounts.get(bot.id))?.selfName !== undefined, 10_000, 'the login written');
      await manager.runtime(bot.id)!.idle();
      await new Promise((r) => setImmediate(r));
      counting = true;
      fake!.receive({ from: '@alice', text: 'lone' });
      const sentInTurn = await new Promise<number>((resolve) =>
        setImmediate(() => {
          turnEnded = true;
          resolve(fake!.sent.length);
        }),
      );
      // Before, the reply waited for the group's end-of-turn callback, queued after this immediate: 0 sends here.
      assert.equal(sentInTurn, 1, 'the reply went out before the turn ended');
      assert.deepEqual(commits[0], { message: true, reply: true, sentBefore: 0, turnEnded: false });
      await manager.runtime(bot.id)!.idle();
      await bot.queue.idle();
      assert.equal(commitsCounted, 2, 'no more COMMITs than before: the message with its reply, then the trace with the send’s final state');
    } finally {
      await manager.stopAll();
      await store.close();
    }
  });

  it('commits the replies to every message of one sync batch with the batch, with more chats than CHAT_CONCURRENCY', async () => {
    const chats = Array.from({ length: 10 }, (_, i) => `@friend${i}`);
    let fake: FakeTransport | undefined;
    const commits: { messages: number; replies: number; traces: number; sentBefore: number }[] = [];
    const stop = spyOnCommits((db) => {
      const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
      const messages = count("select count(*) from messages where text like 'batch %'");
      const replies = count("select count(*) from outbound where text like 'batch %'");
      const traces = count("select count(*) from decision_traces where message_id like 'batch-%'");
      if (messages || replies) commits.push({ messages, replies, traces, sentBefore: fake?.sent.length ?? 0 });
    });
    const store = openStore({ dataDir: newDir() });
    stop();
    const manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => (fake = new FakeTransport({ contacts: chats.map((id, i) => contact(id, `Friend ${i}`)) })),
      pluginRegistry: new PluginRegistry([echo]),
      botPlugins: ['echo'],
      sendPacing: 'off',
      autoRelogin: false,
      chatConcurrency: 2,
    });
    try {
      const bot = await manager.add('one');
      await waitUntil(() => bot.info().state === 'online', 10_000, 'online');
      // One sync's batch: every message arrives in the same tick.
      chats.forEach((from, i) => fake!.receive({ from, text: `batch ${i}`, id: `batch-${i}` }));
      const sent = await fake!.waitForSends(chats.length, 10_000);
      assert.deepEqual(sent.map((s) => s.text).sort(), chats.map((_, i) => `batch ${i}`).sort());
      // Before, each COMMIT held the replies of CHAT_CONCURRENCY chats (2, 2, 2…), as each plugin's reply waited for its own.
      assert.deepEqual(commits[0], { messages: 10, replies: 10, traces: 10, sentBefore: 0 }, JSON.stringify(commits));
    } finally {
      await manager.stopAll();
      await store.close();
    }
  });

  it('a reply to a message whose COMMIT failed is refused, even when the plugin answers after the failure', async () => {
    // A plugin that answers only when the test lets it: after the message's COMMIT has failed.
    let letAnswer!: () => void;
    const mayAnswer = new Promise<void>((resolve) => (letAnswer = resolve));
    const late = definePlugin({
      name: 'late',
      description: 'answers once the test lets it',
      config: z.object({}),
      setup(api) {
        const c = new Composer();
        c.on('text', async (ctx) => {
          await mayAnswer;
          await ctx.reply(`late: ${ctx.text}`);
        });
        api.use(c);
      },
    });
    let failed = false;
    const stop = spyOnCommits((db) => {
      // The disk fills up just as the message is to be committed (once).
      if (!failed && (db.prepare("select count(*) from messages where text = 'lost'").pluck().get() as number) > 0) {
        failed = true;
        throw new Error('database or disk is full');
      }
    });
    const dir = newDir();
    const store = openStore({ dataDir: dir });
    stop();
    let fake: FakeTransport | undefined;
    const manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => (fake = new FakeTransport({ contacts: [contact('@alice', 'Alice')] })),
      pluginRegistry: new PluginRegistry([late]),
      botPlugins: ['late'],
      sendPacing: 'off',
      autoRelogin: false,
    });
    try {
      const bot = await manager.add('one');
      await waitUntil(() => bot.info().state === 'online', 10_000, 'online');
      const errors: Error[] = [];
      bot.on('error', (e) => errors.push(e));
      fake!.receive({ from: '@alice', text: 'lost' });
      await waitUntil(() => errors.some((e) => /disk is full/.test(e.message)), 10_000, 'the failed COMMIT');
      letAnswer();
      await manager.runtime(bot.id)!.idle();
      await bot.queue.idle();
      assert.deepEqual(fake!.sent, [], 'nothing sent');
      const rows = withRawDb(dir, (db) =>
        db.prepare("select (select count(*) from messages where text = 'lost') as messages, (select count(*) from outbound) as replies").get(),
      );
      assert.deepEqual(rows, { messages: 0, replies: 0 }, 'neither the message nor a reply was kept');
      assert.ok(
        errors.some((e) => /could not be stored, so it is not answered/.test(e.message)),
        'the plugin was told why its reply was refused',
      );
    } finally {
      await manager.stopAll();
      await store.close();
    }
  });
});

/** A store whose every group COMMIT first calls `seen` on the open transaction (see commit-spy.ts). */
function openSpiedStore(dir: string, seen: Parameters<typeof spyOnCommits>[0]): Store {
  const stop = spyOnCommits(seen);
  try {
    return openStore({ dataDir: dir });
  } finally {
    stop();
  }
}

/** Whether the open transaction holds the message `text` and the reply echoing it; undefined when neither. */
function messageAndReply(db: Parameters<Parameters<typeof spyOnCommits>[0]>[0], text: string): { message: boolean; reply: boolean } | undefined {
  const message = db.prepare('select count(*) from messages where text = ?').pluck().get(text) as number;
  const reply = db.prepare('select count(*) from outbound where text = ?').pluck().get(text) as number;
  return message || reply ? { message: message > 0, reply: reply > 0 } : undefined;
}

/** Accounts that echo, each on a fake transport knowing Alice (`created` is told of each). */
function echoManager(store: Store, created: (t: FakeTransport) => void): AccountManager {
  return new AccountManager({
    store,
    log: silentLogger(),
    createTransport: () => {
      const t = new FakeTransport({ contacts: [contact('@alice', 'Alice')] });
      created(t);
      return t;
    },
    pluginRegistry: new PluginRegistry([echo]),
    botPlugins: ['echo'],
    sendPacing: 'off',
    autoRelogin: false,
  });
}
