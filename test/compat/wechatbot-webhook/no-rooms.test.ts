// An account whose transport has no groups (iLink: one bot contact bound to its owner) behind the
// wechatbot-webhook listener: sends reach the owner only, isRoom is refused with a clear message,
// and a send still held when the wait ends is reported as success with task.pending, never failed.
// The fake transport declares the iLink transport's capabilities (no `rooms`).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../../src/accounts/index.js';
import { PluginRegistry } from '../../../src/pipeline/index.js';
import type { Store } from '../../../src/store/index.js';
import { openTestStore } from '../../helpers/store.js';
import { silentLogger } from '../../../src/logger.js';
import { compatListener } from './harness.js';
import { FakeTransport, contact } from '../../../src/testing/fake-transport.js';
import { ILINK_CAPABILITIES } from '../../../src/transport/capabilities.js';
import { waitUntil } from '../../../src/testing/wait.js';

const HELD = (n: number) => `Message accepted; ${n} still queued (reply window, quota or pacing) and sent later, look up task.pending for more detail`;

describe('wechatbot-webhook API on an account without groups (iLink-shaped fake transport)', () => {
  let store: Store;
  let manager: AccountManager;
  let fake: FakeTransport;
  let http: Awaited<ReturnType<typeof compatListener>>;
  const post = (path: string, body: unknown) => http.post(path, body);
  const owner = contact('@owner', 'Owner Olga', { remark: 'boss' });

  before(async () => {
    store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-compat-ilink-')) });
    fake = new FakeTransport({ self: { id: '@bot', name: 'Bot' }, contacts: [owner], capabilities: ILINK_CAPABILITIES });
    manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => fake,
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      autoRelogin: false,
    });
    const bot = await manager.add('ilink');
    await waitUntil(() => bot.info().state === 'online', 5000, 'online');
    http = await compatListener(manager, 300);
  });
  after(async () => {
    await http?.close();
    await manager?.stopAll();
    store?.close();
  });

  it('"owner", filehelper, 文件传输助手 and the owner\'s name or remark all reach the owner', async () => {
    const before = fake.sent.length;
    for (const to of ['owner', 'filehelper', '文件传输助手', 'Owner Olga', { alias: 'boss' }]) {
      const r = await post('/webhook/msg/v2', { to, data: { content: `to ${JSON.stringify(to)}` } });
      assert.deepEqual([r.status, r.json.success, r.json.message], [200, true, 'Message sent successfully'], JSON.stringify(r.json));
    }
    assert.deepEqual(
      fake.sent.slice(before).map((s) => s.to),
      ['@owner', '@owner', '@owner', '@owner', '@owner'],
    );
    const v1 = await post('/webhook/msg', { to: 'owner', content: 'v1 to the owner' });
    assert.deepEqual(v1.json, { success: true, message: 'Message sent successfully' });
  });

  it('anyone else is not found; isRoom is refused with "iLink accounts have no groups"', async () => {
    const other = await post('/webhook/msg/v2', { to: 'Somebody Else', data: { content: 'x' } });
    assert.equal(other.json.message, 'All Messages (1) sent failed, look up data of task for more detail');
    assert.equal(other.json.task.notFound[0].error, 'User is not found');
    const group = await post('/webhook/msg/v2', { to: 'Family', isRoom: true, data: { type: 'text', content: 'hi all' } });
    assert.equal(group.json.success, false);
    assert.deepEqual(group.json.task.notFound, [
      { to: 'Family', isRoom: true, error: 'iLink accounts have no groups', data: { type: 'text', content: 'hi all' } },
    ]);
    const batch = await post('/webhook/msg/v2', [
      { to: 'owner', data: { content: 'batch 1' } },
      { to: 'Family', isRoom: true, data: [{ content: 'batch 2' }, { content: 'batch 3' }] },
    ]);
    assert.deepEqual(
      [batch.json.success, batch.json.message, batch.json.task.successCount, batch.json.task.totalCount, batch.json.task.failedCount],
      [true, 'Part of the message sent successfully, look up data of task for more detail', 1, 3, 1],
    );
    const v1 = await post('/webhook/msg', { to: 'Family', isRoom: true, content: 'x' });
    assert.deepEqual(v1.json, { success: false, message: 'iLink accounts have no groups' });
  });

  it('a send still held when the wait ends is success with task.pending, never failed', async () => {
    fake.sendDelayMs = 1500;
    try {
      const r = await post('/webhook/msg/v2', { to: 'owner', data: [{ content: 'held 1' }] });
      assert.equal(r.json.success, true);
      assert.equal(r.json.message, HELD(1));
      assert.deepEqual([r.json.task.successCount, r.json.task.failedCount, r.json.task.totalCount, r.json.task.pendingCount], [0, 0, 1, 1]);
      assert.deepEqual(r.json.task.pending, [{ to: 'owner', data: [{ content: 'held 1' }] }]);
      assert.deepEqual(r.json.task.sentFailed, []);
      const v1 = await post('/webhook/msg', { to: 'owner', content: 'held 2' });
      assert.deepEqual(v1.json, { success: true, message: HELD(1), pending: true });
      // The held sends go out later, once each.
      await fake.waitForSends(fake.sent.length + 1, 10_000);
      await waitUntil(() => fake.sent.filter((s) => s.text === 'held 2').length === 1, 10_000, 'the held send');
      assert.equal(fake.sent.filter((s) => s.text === 'held 1').length, 1);
    } finally {
      fake.sendDelayMs = 0;
    }
  });
});
