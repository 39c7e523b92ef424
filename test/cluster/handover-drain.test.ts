// A handover releases an account only once everything its transport delivered is stored: a poll that
// answers while the account stops (iLink getupdates, web sync) hands over messages the next node will
// not be given again (the cursor moved on, the seen keys are written), so they must be stored here.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { contact, FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { openTestStore } from '../helpers/store.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { IlinkTransport } from '../../src/ilink/index.js';
import type { AccountCluster } from '../../src/accounts/index.js';
import { fencedStore } from '../../src/cluster/fenced-store.js';

const LATE = 20;

/** A transport whose last poll answers with a batch of messages while it stops (the bot stores them one after another). */
class LatePollTransport extends FakeTransport {
  override async stop(): Promise<void> {
    for (let i = 0; i < LATE; i++) this.receive({ from: '@alice', text: `arrived while stopping ${i}` });
    await super.stop();
  }
}

describe('handover: release', () => {
  let store: Store | undefined;
  after(() => store?.close());

  it('stores what the transport delivered while stopping (and queues its answer) before it resolves', async () => {
    store = await openTestStore({ dataDir: mkdtempSync(join(tmpdir(), 'w-handover-drain-')) });
    // The cluster as the coordinator is to the manager: writes fenced by this node's lease, which the
    // handover gives up right after `release` resolves (src/cluster/coordinator.ts `handOver`).
    let held = true;
    const cluster: AccountCluster = {
      store: (account, s) => fencedStore(s, account, () => (held ? 1 : undefined)),
      transport: (_account, t) => t,
      place: () => {},
      node: 'here',
      elsewhere: () => undefined,
      settingsChanged: () => {},
      forward: async () => {},
      ask: () => Promise.reject(new Error('no other node here')),
    };
    const manager = new AccountManager({
      store,
      cluster,
      log: silentLogger(),
      createTransport: () => new LatePollTransport({ self: { id: '@self', name: 'Bot' }, contacts: [contact('@alice', 'Alice')] }),
      pluginRegistry: new PluginRegistry([echo]),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
    });
    const id = (await manager.add('late poll')).id;
    await store.fences.raise(id, 1, 1000);
    await manager.runHere(id);
    await waitUntil(() => manager.get(id)?.info().state === 'online', 60_000, 'the account online');
    await manager.release(id);
    held = false;
    // At release the message is stored and echo's answer is in the queue (later, their writes would be refused).
    await manager.get(id)!.drain();
    const texts = new Set((await store.messages.list(id)).items.map((m) => m.text));
    const queued = new Set((await store.outbound.list(id)).filter((o) => o.status === 'queued').map((o) => o.text));
    for (let i = 0; i < LATE; i++) {
      assert.ok(texts.has(`arrived while stopping ${i}`), `message ${i} stored before the release resolved`);
      assert.ok(queued.has(`arrived while stopping ${i}`), `echo's answer to message ${i} queued for the next holder`);
    }
    await manager.stopAll();
  });
});

describe('handover: a transport stopped twice', () => {
  it('iLink: stop() after the start signal began a stop resolves when that stop has ended (its poll handed over, the server told)', async () => {
    const sb = await startSandbox({ ilink: { pollHoldMs: 300, longPollTimeoutMs: 1000, autoConfirmMs: 10 } });
    try {
      const t = new IlinkTransport({ baseUrl: sb.origin, cdnUrl: `${sb.origin}/c2c`, version: '0.1.0', qr: { pollIntervalMs: 20 } });
      // The manager aborts the login's signal first (which stops the transport), then calls stop() itself.
      const login = new AbortController();
      await t.start({ signal: login.signal });
      const bot = [...sb.ilink.state.bots.values()].at(-1)!;
      assert.equal(bot.notify, 'started');
      login.abort(new Error('stopped'));
      await t.stop();
      assert.equal(bot.notify, 'stopped', 'the stop under way had ended (notifystop sent) when stop() resolved');
    } finally {
      await sb.close();
    }
  });
});
