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
import { openStore } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { contact, FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { spyOnCommits } from '../helpers/commit-spy.js';

interface CommitSeen {
  message: boolean;
  reply: boolean;
  /** Sends the transport had made when this COMMIT began. */
  sentBefore: number;
}

describe('a message and its reply: one COMMIT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-onecommit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('commits the message and the reply queued for it together, and sends the reply only after that COMMIT', async () => {
    let fake: FakeTransport | undefined;
    const commits: CommitSeen[] = [];
    const stop = spyOnCommits((db) => {
      const message = db.prepare("select count(*) from messages where text = 'ping'").pluck().get() as number;
      const reply = db.prepare("select count(*) from outbound where text = 'ping'").pluck().get() as number;
      if (message || reply) commits.push({ message: message > 0, reply: reply > 0, sentBefore: fake?.sent.length ?? 0 });
    });
    const store = openStore({ dataDir: dir });
    stop();
    const manager = new AccountManager({
      store,
      log: silentLogger(),
      createTransport: () => (fake = new FakeTransport({ contacts: [contact('@alice', 'Alice')] })),
      pluginRegistry: new PluginRegistry([echo]),
      botPlugins: ['echo'],
      sendPacing: 'off',
      autoRelogin: false,
    });
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
});
