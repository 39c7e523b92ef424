// The wechatbot-webhook API on a real iLink account: the iLink transport against the sandbox's
// iLink server, logged in by QR. Sends reach the owner (by "owner", filehelper, 文件传输助手 or the
// owner's name), groups are refused with the original's counts, and an upload goes through. A send
// held for the reply window answers at once as a success with `task.pending`, and goes once the owner writes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { sandboxClient } from '../../ilink/helpers/clients.js';
import type { Bot } from '../../../src/bot/index.js';
import { AccountManager } from '../../../src/accounts/index.js';
import { PluginRegistry } from '../../../src/pipeline/index.js';
import type { Store } from '../../../src/store/index.js';
import { openTestStore } from '../../helpers/store.js';
import { silentLogger } from '../../../src/logger.js';
import { SEND_WAIT_MS } from '../../../src/compat/wechatbot-webhook/index.js';
import { compatListener } from './harness.js';
import { waitUntil } from '../../../src/testing/wait.js';
import { RecordingClock } from '../../helpers/recording-clock.js';

describe('wechatbot-webhook API on an iLink account (sandbox iLink server)', () => {
  let sb: RunningSandbox;
  let store: Store;
  let manager: AccountManager;
  let bot: Bot;
  // "At once" is shown by the wait itself (it did not run out), not by a stopwatch.
  const clock = new RecordingClock();
  let http: Awaited<ReturnType<typeof compatListener>>;
  const post = (path: string, body: unknown) => http.post(path, body);

  const delivered = async (since: number) => (await sb.ilink.control.sent(since)).messages.filter((m) => m.decision === 'delivered');

  before(async () => {
    sb = await startSandbox({ holdMs: 300, contacts: 2, rooms: 0, rateLimits: false });
    store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-compat-ilink-')) });
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => sandboxClient(sb.origin),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      autoRelogin: false,
      clock,
    });
    bot = await manager.add('ilink');
    await waitUntil(() => !!bot.info().qr, 10_000, 'an iLink QR');
    await sb.ilink.control.confirm({});
    await waitUntil(() => bot.info().state === 'online', 10_000, 'online');
    // The owner writes first: iLink sends need the reply window the owner's message opens.
    await sb.ilink.control.sendMessage({ text: 'hello bot' });
    await waitUntil(() => bot.directory.contacts().some((c) => c.kind !== 'self'), 10_000, 'the owner in the directory');
    http = await compatListener(manager, 10_000);
  });
  after(async () => {
    await http?.close();
    await manager?.stopAll();
    store?.close();
    await sb?.close();
  });

  it('README v2 single, multi-item and batch reach the owner, with the original counts', async () => {
    const owner = bot.directory.contacts().find((c) => c.kind !== 'self')!;
    const { next } = await sb.ilink.control.sent();
    const single = await post('/webhook/msg/v2', { to: 'owner', data: { content: '你好👋' } });
    assert.deepEqual(
      [single.json.success, single.json.message, single.json.task.successCount],
      [true, 'Message sent successfully', 1],
      JSON.stringify(single.json),
    );
    const multi = await post('/webhook/msg/v2', { to: '文件传输助手', data: [{ type: 'text', content: 'one' }, { content: 'two' }] });
    assert.deepEqual([multi.json.success, multi.json.task.successCount, multi.json.task.totalCount], [true, 2, 2], JSON.stringify(multi.json));
    const byName = await post('/webhook/msg/v2', { to: owner.name, data: { content: 'by name' } });
    assert.equal(byName.json.success, true, JSON.stringify(byName.json));
    const sent = await delivered(next);
    assert.deepEqual(
      sent.map((m) => m.items.map((i) => i.text).join('')),
      ['你好👋', 'one', 'two', 'by name'],
    );
  });

  it('groups are refused with "iLink accounts have no groups"; other names are not found', async () => {
    const group = await post('/webhook/msg/v2', { to: 'testGroup', isRoom: true, data: { type: 'text', content: 'x' } });
    assert.deepEqual(
      [group.json.success, group.json.message, group.json.task.notFound[0].error],
      [false, 'All Messages (1) sent failed, look up data of task for more detail', 'iLink accounts have no groups'],
    );
    const batch = await post('/webhook/msg/v2', [
      { to: 'filehelper', data: { content: 'batch ok' } },
      { to: 'Somebody', data: [{ content: 'a' }, { content: 'b' }] },
    ]);
    assert.deepEqual(
      [batch.json.success, batch.json.message, batch.json.task.successCount, batch.json.task.failedCount, batch.json.task.totalCount],
      [true, 'Part of the message sent successfully, look up data of task for more detail', 1, 1, 3],
    );
    assert.deepEqual((await post('/webhook/msg', { to: 'testGroup', isRoom: true, content: 'x' })).json, {
      success: false,
      message: 'iLink accounts have no groups',
    });
  });

  it('v1 JSON text and a form upload reach the owner', async () => {
    const { next } = await sb.ilink.control.sent();
    assert.deepEqual((await post('/webhook/msg', { to: 'owner', type: 'text', content: 'Hello World!' })).json, {
      success: true,
      message: 'Message sent successfully',
    });
    const form = new FormData();
    form.set('to', 'owner');
    form.set('content', new Blob([Buffer.from('a small report')], { type: 'text/plain' }), 'report.txt');
    assert.deepEqual((await post('/webhook/msg', form)).json, { success: true, message: 'Message sent successfully' });
    const sent = await delivered(next);
    assert.equal(sent.length, 2);
    assert.equal(sent[0]!.items[0]!.text, 'Hello World!');
    assert.notEqual(sent[1]!.items[0]!.type, 'text');
  });

  // Last: it closes the reply window (the owner's next message opens it again).
  it('a send held for the reply window is a success listing task.pending, at once, and goes once the owner writes', async () => {
    // The production wait: a held send must be known without sitting it out.
    const prod = await compatListener(manager, SEND_WAIT_MS);
    try {
      await sb.ilink.control.advanceClock(25 * 3_600_000);
      const { next } = await sb.ilink.control.sent();
      const held = await prod.post('/webhook/msg/v2', { to: 'owner', data: { content: 'after the window' } });
      assert.deepEqual(clock.ranOut(SEND_WAIT_MS), [], 'the held send was not sat out');
      assert.equal(held.status, 200);
      assert.deepEqual(
        { success: held.json.success, message: held.json.message },
        {
          success: true,
          message: 'Message accepted; 1 still queued (reply window, quota or pacing) and sent later, look up task.pending for more detail',
        },
      );
      assert.deepEqual(held.json.task, {
        successCount: 0,
        totalCount: 1,
        failedCount: 0,
        reject: [],
        sentFailed: [],
        notFound: [],
        pendingCount: 1,
        pending: [{ to: 'owner', data: [{ content: 'after the window' }] }],
      });
      // v1 says the same in its own shape; it waits behind the first, in order.
      assert.deepEqual((await prod.post('/webhook/msg', { to: 'owner', content: 'second' })).json, {
        success: true,
        message: 'Message accepted; 1 still queued (reply window, quota or pacing) and sent later, look up task.pending for more detail',
        pending: true,
      });
      const refused = (await sb.ilink.control.sent(next)).messages;
      assert.deepEqual(
        refused.map((m) => m.decision),
        ['refused'],
        'the client learnt of the closed window once, then held without asking again',
      );
      assert.equal((await store.outbound.list(bot.id, { status: 'waiting-for-user' })).length, 2);

      const { next: before } = await sb.ilink.control.sent();
      await sb.ilink.control.sendMessage({ text: 'I am back' });
      await waitUntil(async () => (await delivered(before)).length === 2, 15_000, 'the held sends delivered');
      await bot.queue.idle();
      assert.deepEqual(
        (await delivered(before)).map((m) => m.items.map((i) => i.text).join('')),
        ['after the window', 'second'],
        'each held send delivered once, in order',
      );
      assert.equal((await store.outbound.list(bot.id, { status: 'waiting-for-user' })).length, 0);
    } finally {
      await prod.close();
    }
  });
});
