// An account handed over (SIGTERM in a cluster), or whose lease was lost, may still have writes in its bot's line:
// a directory change that arrived late, its state's events. The store refuses them (FencedOut: another node holds
// the account and writes its rows). That is no fault: said once at info level, not as an error for every write
// (at load 20 with 300 accounts, that noise and the transactions behind it kept a leaving node past its exit limit,
// bench/cluster/leave.bench.ts). And a write with no lease at all opens no transaction.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import type { AccountCluster } from '../../src/accounts/index.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Store } from '../../src/store/index.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { contact, FakeTransport } from '../../src/testing/fake-transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { openTestStore } from '../helpers/store.js';
import { leaseCluster } from '../helpers/lease-cluster.js';
import { captureLog } from '../helpers/log-capture.js';

const ERROR = 50;
const INFO = 30;

describe('writes of an account this node no longer holds', () => {
  let store: Store | undefined;
  let dir: string | undefined;
  after(() => {
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a directory change after the lease is lost: not stored, said once at info level (handed over), no error, no transaction', async () => {
    dir = mkdtempSync(join(tmpdir(), 'w-handed-over-'));
    store = await openTestStore({ dataDir: dir });
    let held = true;
    let transactions = 0;
    // The cluster as the coordinator is to the manager (writes fenced by this node's lease), with the
    // transactions the account's store line opens counted.
    const fenced = leaseCluster(() => held);
    const cluster: AccountCluster = {
      ...fenced,
      store: (account, s) =>
        fenced.store(account, {
          ...s,
          transaction: (fn, o) => {
            transactions++;
            return s.transaction(fn, o);
          },
        }),
    };
    const transport = new FakeTransport({ self: { id: '@self', name: 'Bot' }, contacts: [contact('@alice', 'Alice')] });
    const captured = captureLog('debug');
    const manager = new AccountManager({
      store,
      cluster,
      log: captured.log,
      createTransport: () => transport,
      pluginRegistry: new PluginRegistry([echo]),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
    });
    const id = (await manager.add('handed over')).id;
    await store.fences.raise(id, 1, 1000);
    await manager.runHere(id);
    await waitUntil(() => manager.get(id)?.info().state === 'online', 60_000, 'the account online');
    await manager.get(id)!.drain();
    const online = captured.records().length;

    // A contact while the lease is held is stored (the fence lets this node write).
    transport.emit('contact-update', contact('@bob', 'Bob'));
    await manager.get(id)!.drain();
    assert.ok(
      (await store.directory.contacts(id)).some((c) => c.id === '@bob'),
      'stored while held',
    );

    // The lease is lost (handed over, or taken): two more directory changes arrive on the running transport.
    held = false;
    const before = transactions;
    transport.emit('contact-update', contact('@carol', 'Carol'));
    transport.emit('room-delete', { id: '@@nowhere' });
    await manager.get(id)!.drain();

    const ids = (await store.directory.contacts(id)).map((c) => c.id);
    assert.ok(!ids.includes('@carol'), 'the fenced-out contact is not stored');
    const lines = captured.records().slice(online);
    const errors = lines.filter((r) => r.level >= ERROR);
    assert.deepEqual(
      errors.map((r) => r.msg),
      [],
      'no error line for a write fenced out',
    );
    const said = lines.filter((r) => r.level === INFO && /handed over/.test(r.msg));
    assert.equal(said.length, 1, `said once at info level: ${JSON.stringify(lines.map((r) => [r.level, r.msg]))}`);
    assert.match(said[0]!.msg, /store a contact/);
    assert.equal(said[0]!.account, id, 'the line names the account');
    assert.equal(
      lines.filter((r) => r.level < INFO && /did not delete a room: the account was handed over/.test(r.msg)).length,
      1,
      'the next refused write at debug level',
    );
    assert.equal(transactions - before, 0, 'no transaction opened for a write with no lease');

    // A message that arrives now is not stored either (the node holding the account stores it): no error line.
    const late = captured.records().length;
    transport.receive({ from: '@alice', text: 'after the handover' });
    await manager.get(id)!.drain();
    assert.ok(!(await store.messages.list(id)).items.some((m) => m.text === 'after the handover'), 'the message is not stored here');
    const after = captured.records().slice(late);
    assert.deepEqual(
      after.filter((r) => r.level >= ERROR).map((r) => r.msg),
      [],
      'no error line for incoming messages fenced out',
    );
    assert.equal(after.filter((r) => /did not store incoming messages: the account was handed over/.test(r.msg)).length, 1, 'said at debug level');
    await manager.stopAll();
  });
});
