// An account's runtime on PostgreSQL runs its store calls in its account's line, not in the node's: a handover's
// session save waits behind that account's own writes only (before, every call of the node waited in one line, and
// under a cluster's traffic the leaving node's save waited seconds behind other accounts' messages). Real
// AccountManager, a real PostgreSQL store (the lines exist only there), the fake transport.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/index.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { silentLogger } from '../../src/logger.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';
import type { SessionSnapshot } from '../../src/transport/transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { inAccountLine, openPostgresStore, type Store } from '../../src/store/index.js';
import { TEST_SECRET_KEY, databaseUrlFor } from '../helpers/store.js';
import { holdTransaction } from '../helpers/held-transaction.js';

/** A transport whose session moves on (as an iLink cursor does with each batch), so each save has something new. */
class MovingSession extends FakeTransport {
  cursor = 0;
  override serialize(): SessionSnapshot | undefined {
    const s = super.serialize();
    return s && { ...s, cursor: this.cursor };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'weiroto-account-lines-'));
const url = await databaseUrlFor(dir);
// Opened as a node opens it (the suite's test stores are copies that count their calls, and copies keep one line).
const store = await openPostgresStore({ url, secretKey: TEST_SECRET_KEY });

function manager(on: Store): AccountManager {
  return new AccountManager({
    log: silentLogger(),
    pluginRegistry: new PluginRegistry([]),
    sendPacing: 'off',
    botPlugins: [],
    store: on,
    createTransport: () => new FakeTransport(),
  });
}

describe("an account's store calls on PostgreSQL", () => {
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("saves its session at a handover while the node's own line is held", async () => {
    const transport = new MovingSession();
    const m = new AccountManager({
      log: silentLogger(),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      botPlugins: [],
      store,
      createTransport: () => transport,
    });
    const id = (await m.add('own line')).id;
    await waitUntil(async () => m.get(id)!.info().state === 'online' && (await store.sessions.load(id))?.cursor === 0, 10_000, 'online, session saved');

    // The node's line is held by a transaction (as by other accounts' messages being stored, one after another).
    const held = await holdTransaction(store);
    try {
      transport.cursor = 1;
      let released = false;
      const release = m.release(id).then(() => (released = true));
      await waitUntil(() => released, 10_000, 'the handover (stop, session save) done while the node line is held');
      await release;
      assert.equal((await store.outOfLine.sessions.load(id))?.cursor, 1, 'the session as it stood at the handover is stored');
    } finally {
      await held.end();
    }
    await m.stopAll();
  });

  it('gives up a removed account’s place on its line, on the node that removed it and on a node that heard of it', async () => {
    // Two nodes on the database, two account lines each (a pool of 6: 4 connections are the node's own).
    const [a, b] = [
      await openPostgresStore({ url, secretKey: TEST_SECRET_KEY, poolSize: 6 }),
      await openPostgresStore({ url, secretKey: TEST_SECRET_KEY, poolSize: 6 }),
    ];
    const [ma, mb] = [manager(a), manager(b)];
    try {
      const [first, second] = [(await ma.add('first')).id, (await ma.add('second')).id];
      // Each node's accounts take its lines in turn: `first` the first line, `second` the other.
      const linesA = [inAccountLine(a, first), inAccountLine(a, second)];
      await mb.load();
      for (const id of [first, second]) assert.ok(mb.get(id), 'node b knows the account');
      const linesB = [inAccountLine(b, first), inAccountLine(b, second)];
      assert.notEqual(linesA[0], linesA[1]);
      assert.notEqual(linesB[0], linesB[1]);

      // Node a removes `second`; node b hears that its row changed and finds it gone.
      await ma.remove(second);
      await mb.reread(second);
      // Both lines hold one account each again: a new account goes to the free one, not to the first line (where a
      // line that still counted `second` would put it, every line then looking as used).
      assert.equal(inAccountLine(a, 'newcomer'), linesA[1], 'node a: the removed account’s line is free');
      assert.equal(inAccountLine(b, 'newcomer'), linesB[1], 'node b: the removed account’s line is free');
    } finally {
      await ma.stopAll();
      await mb.stopAll();
      await a.close();
      await b.close();
    }
  });
});
