// The event log's rows of a group commit, written in one insert just before its COMMIT on SQLite
// (src/store/event-log-pending.ts): each insert resolves only once committed, seqs follow the order the rows came,
// a rolled-back transaction leaves none of its own rows and keeps the group's others (also when it read the log, as
// the prune every thousandth event does, before failing), a read sees the group's rows, and a lean COMMIT (a lone
// reply on its way out) writes them too. The same behaviour on PostgreSQL, which writes each row as it comes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { withRawDb } from '../helpers/raw-db.js';
import { scratch } from './fixtures/migration-steps.js';

const { root, opened } = scratch('weiroto-event-log-group-');

const event = (type: string) => ({ type, account: 'acc', at: 1, body: `{"type":"${type}"}` });
const types = async (store: Store): Promise<string[]> => (await store.eventLog.read({ after: 0 })).map((e) => e.type);

async function open(kind: 'sqlite' | 'postgres'): Promise<{ store: Store; dataDir: string }> {
  const dataDir = mkdtempSync(join(root, `${kind}-`));
  const store = await openTestStore({ dataDir, kind });
  opened.push(store);
  return { store, dataDir };
}

/** The log's types in seq order, as another connection (another process) sees them: what is committed. */
const committedTypes = (dataDir: string): string[] =>
  withRawDb(dataDir, (db) => db.prepare('select type from event_log order by seq').pluck().all() as string[]);

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the event log's rows of a group on ${kind}`, () => {
    it('keeps the order the rows came in, and a read sees rows of the group not yet committed', async () => {
      const { store } = await open(kind);
      const written = ['a', 'b', 'c'].map((t) => store.eventLog.insert(event(t)));
      const seen = types(store);
      await Promise.all(written);
      assert.deepEqual(await seen, ['a', 'b', 'c']);
      const seqs = (await store.eventLog.read({ after: 0 })).map((e) => e.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((x, y) => x - y),
      );
      assert.equal(await store.eventLog.lastSeq(), seqs[2]);
    });

    it('a transaction that fails leaves none of its rows and keeps the rows written beside it', async () => {
      const { store } = await open(kind);
      const before = store.eventLog.insert(event('before'));
      const failing = store.transaction(async (tx) => {
        await tx.eventLog.insert(event('inside'));
        throw new Error('boom');
      });
      const after = store.eventLog.insert(event('after'));
      await assert.rejects(failing, /boom/);
      await Promise.all([before, after]);
      assert.deepEqual(await types(store), ['before', 'after']);
    });

    it('a transaction that read the log (as a prune does) and then fails keeps the rows the group wrote before it', async () => {
      const { store } = await open(kind);
      const before = store.eventLog.insert(event('before'));
      const failing = store.transaction(async (tx) => {
        await tx.eventLog.insert(event('inside'));
        assert.deepEqual((await tx.eventLog.read({ after: 0 })).map((e) => e.type).slice(-1), ['inside']);
        await tx.eventLog.insert(event('inside again'));
        throw new Error('boom');
      });
      await assert.rejects(failing, /boom/);
      await before;
      await store.eventLog.insert(event('after'));
      assert.deepEqual(await types(store), ['before', 'after']);
    });
  });
}

describe("the event log's rows of a group on SQLite, seen from another connection", () => {
  it('are committed when each insert resolves, not before', async () => {
    const { store, dataDir } = await open('sqlite');
    const written = ['a', 'b'].map((t) => store.eventLog.insert(event(t)));
    assert.deepEqual(committedTypes(dataDir), [], 'issued, not committed');
    await Promise.all(written);
    assert.deepEqual(committedTypes(dataDir), ['a', 'b']);
    await store.transaction((tx) => tx.eventLog.insert(event('c')));
    assert.deepEqual(committedTypes(dataDir), ['a', 'b', 'c']);
  });

  it('are in the lean COMMIT of a lone reply on its way out (the log is no index to be written later)', async () => {
    const { store, dataDir } = await open('sqlite');
    let group: object | undefined;
    const stored = store.transaction((tx) => tx.eventLog.insert(event('message.received')), { written: (_, commit) => (group = commit) });
    for (let i = 0; i < 100 && !group; i++) await Promise.resolve();
    const reply = await store.issued!.outbound.enqueue({ id: 'o1', account: 'acc', chatId: '@c', type: 'text', text: 'echo', createdAt: 1 });
    assert.equal(reply.commit, group, 'the reply shares the group of the event');
    reply.commitNow();
    await reply.committed;
    assert.deepEqual(committedTypes(dataDir), ['message.received'], 'committed with the reply, before anything else commits');
    await stored;
  });
});
