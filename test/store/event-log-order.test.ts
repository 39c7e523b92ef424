// The event log on PostgreSQL with two nodes writing: a reader that has seen an event has seen every event of a lower
// seq (SSE clients resume after the last seq they got, so a lower one committed later would be lost to them).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from '../../src/store/index.js';
import { databaseUrlFor, openTestStore } from '../helpers/store.js';
import { waitUntil } from '../../src/testing/wait.js';

const event = (type: string) => ({ type, account: 'a1', at: 1, body: '{}' });

describe('event log across nodes (PostgreSQL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weiroto-evlog-'));
  const stores: Store[] = [];
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('an event written while another node holds an earlier one uncommitted is visible only after it', async () => {
    for (let i = 0; i < 3; i++) stores.push(await openTestStore({ dataDir, kind: 'postgres' }));
    const [nodeA, nodeB, reader] = stores as [Store, Store, Store];
    let commitA!: () => void;
    const aMayCommit = new Promise<void>((r) => (commitA = r));
    let aWrote = false;
    const a = nodeA.transaction(async (tx) => {
      await tx.eventLog.insert(event('first'));
      aWrote = true;
      await aMayCommit;
    });
    await waitUntil(() => aWrote, 60_000, "node A's event written, not committed");

    let bSettled = false;
    // What a reader sees the moment node B's write has returned.
    const seenAfterB = nodeB.eventLog.insert(event('second')).then(() => {
      bSettled = true;
      return reader.eventLog.read({ after: 0 });
    });
    const admin = new pg.Client({ connectionString: await databaseUrlFor(dataDir) });
    await admin.connect();
    try {
      const waitingForTurn = async (): Promise<boolean> =>
        (await admin.query("select 1 from pg_locks where locktype = 'advisory' and not granted")).rowCount! > 0;
      // Node B either waits for its turn behind A (ordered) or has written already (not ordered: the test fails below).
      await waitUntil(async () => bSettled || (await waitingForTurn()), 60_000, "node B's write to wait or land");
    } finally {
      await admin.end();
    }
    commitA();
    await a;
    const seen = await seenAfterB;
    assert.deepEqual(
      seen.map((e) => e.type),
      ['first', 'second'],
      'the later event is never visible without the earlier one',
    );
    assert.ok(seen[0]!.seq < seen[1]!.seq);
  });
});
