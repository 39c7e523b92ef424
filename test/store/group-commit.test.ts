// Group commit: the writes of one burst of work share one COMMIT, and each resolves only once it is
// committed (a second connection, as another process would, sees them then and not before). A
// transaction in the same group rolls back only its own writes; a failed COMMIT fails every write of
// its group; a read answers at once.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { ConnectionGate, type TransactionPort } from '../../src/store/gate.js';
import { withRawDb } from '../helpers/raw-db.js';
import type { Message } from '../../src/transport/model.js';

const committedKeys = (dir: string): string[] =>
  withRawDb(dir, (db) => (db.prepare("select key from kv where scope = 's' order by key").all() as { key: string }[]).map((r) => r.key));

const message = (id: string, text: string): Message => ({
  id,
  type: 'text',
  chatId: '@c',
  senderId: '@c',
  toId: '@me',
  isSelf: false,
  text,
  mentionsSelf: false,
  mentions: [],
  createdAt: 1,
});

/** The ids of the messages whose full-text index entry holds `text`, as another connection sees them. */
const indexed = (dir: string, text: string): string[] =>
  withRawDb(dir, (db) => {
    // Throws SQLITE_CORRUPT_VTAB when the index and the table disagree.
    db.prepare("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)").run();
    const rows = db.prepare('select m.id from messages_fts f join messages m on m.seq = f.rowid where messages_fts match ? order by m.seq').all(`"${text}"`);
    return (rows as { id: string }[]).map((r) => r.id);
  });

describe('store: group commit', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-group-'));
    store = openStore({ dataDir: dir });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes issued together in one COMMIT, and resolves each only after it', async () => {
    const writes = ['a', 'b', 'c'].map((k) => store.kv.set('s', k, k));
    // Issued, not yet committed: another connection sees none of them (one by one, it would see a, b, c now).
    assert.deepEqual(committedKeys(dir), []);
    await Promise.all(writes);
    assert.deepEqual(committedKeys(dir), ['a', 'b', 'c']);
    // Each write on its own after an await is committed by the time it resolves, too.
    await store.kv.set('s', 'd', 'd');
    assert.deepEqual(committedKeys(dir), ['a', 'b', 'c', 'd']);
  });

  it('issued: an outbound row is answered before its COMMIT, named as the group a transaction written meanwhile names', async () => {
    let groupOfTx: object | undefined;
    const tx = store.transaction((t) => t.kv.set('s', 'message', 1), { written: (_, commit) => (groupOfTx = commit) });
    await waitForGroup(() => groupOfTx);
    const row = { id: 'o1', account: 'a1', chatId: 'c1', type: 'text' as const, text: 'hi', createdAt: 1 };
    const { value, commit, committed } = await store.issued!.outbound.enqueue(row);
    assert.equal(value.record.id, 'o1');
    assert.equal(commit, groupOfTx, 'the same COMMIT as the transaction still waiting for it');
    const outboundRows = (): number => withRawDb(dir, (db) => db.prepare('select count(*) from outbound').pluck().get() as number);
    assert.equal(outboundRows(), 0, 'not committed yet');
    await Promise.all([committed, tx]);
    assert.equal(outboundRows(), 1);
    assert.deepEqual(committedKeys(dir), ['message']);
  });

  it('a transaction that fails in the same group undoes only its own writes', async () => {
    const before = store.kv.set('s', 'before', 1);
    const failing = store.transaction(async (tx) => {
      await tx.kv.set('s', 'inside', 1);
      throw new Error('boom');
    });
    const after = store.kv.set('s', 'after', 1);
    await assert.rejects(failing, /boom/);
    await Promise.all([before, after]);
    assert.deepEqual(committedKeys(dir), ['after', 'before']);
  });

  it('a transaction resolves once its writes are committed', async () => {
    await store.transaction(async (tx) => {
      await tx.kv.set('s', 'x', 1);
      await tx.kv.set('s', 'y', 2);
    });
    assert.deepEqual(committedKeys(dir), ['x', 'y']);
  });

  it('a message and its full-text index entry commit together (the index is written once per group), a rolled-back one leaves none', async () => {
    await Promise.all([store.messages.insert('a', message('m1', 'group commit one')), store.messages.insert('a', message('m2', 'group commit two'))]);
    assert.deepEqual(indexed(dir, 'group commit'), ['m1', 'm2'], 'seen by another connection once the inserts resolved');
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.messages.insert('a', message('m3', 'group commit undone'));
        throw new Error('boom');
      }),
      /boom/,
    );
    await store.messages.insert('a', message('m4', 'group commit four'));
    assert.deepEqual(indexed(dir, 'group commit'), ['m1', 'm2', 'm4']);
  });

  /** A lone message stored and its reply issued into the same group, which the reply then commits at once (commitNow). */
  const loneMessageAnswered = async (): Promise<void> => {
    let group: object | undefined;
    const stored = store.transaction((tx) => tx.messages.insert('a', message('m1', 'lone message')), { written: (_, commit) => (group = commit) });
    await waitForGroup(() => group);
    const reply = await store.issued!.outbound.enqueue({ id: 'o1', account: 'a', chatId: '@c', type: 'text', text: 'echo', createdAt: 1 });
    assert.equal(reply.commit, group);
    reply.commitNow();
    await Promise.all([reply.committed, stored]);
    const rows = withRawDb(dir, (db) => db.prepare('select (select count(*) from messages) + (select count(*) from outbound)').pluck().get());
    assert.equal(rows, 2, 'the message and its reply are committed (the reply may go to WeChat now)');
  };

  it('commitNow (a lone reply on its way out) leaves the message’s full-text index to the next COMMIT, whatever that one writes', async () => {
    await loneMessageAnswered();
    // Counted in the index's own table of entries: its integrity check (which `indexed` runs) fails while a row waits.
    const entries = withRawDb(dir, (db) => db.prepare('select count(*) from messages_fts_docsize').pluck().get());
    assert.equal(entries, 0, 'not in the COMMIT the reply waits for');
    // The next COMMIT (here a write of no message, as the reply's settling is) writes the index entry the lone one left.
    await store.kv.set('s', 'settled', 1);
    assert.deepEqual(indexed(dir, 'lone message'), ['m1']);
  });

  it('a message committed without its index entry (a crash before the next COMMIT) is found by a search after a restart', async () => {
    await loneMessageAnswered();
    // The process dies here: the files as they are now (the database and its WAL, the key) are what a restart finds.
    const after = mkdtempSync(join(tmpdir(), 'weiroto-crashed-'));
    for (const f of readdirSync(dir)) if (!f.endsWith('-shm')) cpSync(join(dir, f), join(after, f), { recursive: true });
    const restarted = openStore({ dataDir: after });
    try {
      const page = await restarted.messages.list('a', { text: 'lone message' });
      assert.deepEqual(
        page.items.map((m) => m.id),
        ['m1'],
      );
      assert.deepEqual(indexed(after, 'lone message'), ['m1'], 'the search brought the index up to date, consistent with the table');
    } finally {
      restarted.close();
      rmSync(after, { recursive: true, force: true });
    }
  });

  it('a read answers without waiting for the group, and sees what the group wrote', async () => {
    const write = store.kv.set('s', 'k', { v: 1 });
    let readFirst = false;
    const read = store.kv.get('s', 'k').then((v) => {
      readFirst = committedKeys(dir).length === 0;
      return v;
    });
    assert.deepEqual(await read, { v: 1 });
    assert.equal(readFirst, true, 'the read resolved before the COMMIT');
    await write;
    assert.deepEqual(committedKeys(dir), ['k']);
  });
});

/** A connection whose COMMIT can be made to fail, to see what the callers of the group are told. */
function scriptedPort(): TransactionPort & { log: string[]; failCommit: boolean; rows: number } {
  const port = {
    log: [] as string[],
    failCommit: false,
    rows: 0,
    open: false,
    begin: () => void (port.log.push('begin'), (port.open = true)),
    commit: () => {
      port.log.push('commit');
      if (port.failCommit) throw new Error('disk I/O error');
      port.open = false;
    },
    rollback: () => void (port.log.push('rollback'), (port.open = false)),
    savepoint: () => void port.log.push('savepoint'),
    release: () => void port.log.push('release'),
    rollbackToSavepoint: () => void port.log.push('rollback to'),
    inTransaction: () => port.open,
    changes: () => port.rows,
  };
  return port;
}

describe('ConnectionGate: one COMMIT per turn of the event loop', () => {
  it('writes from several callbacks of one turn (answers that arrived together) share one COMMIT', async () => {
    const port = scriptedPort();
    const gate = new ConnectionGate(port);
    const write = (): number => ++port.rows;
    // Two immediates queued in one tick run in one check phase, each its own callback (with its own
    // promise jobs), and the gate's own setImmediate, queued during that phase, runs only in the next
    // turn. Two timers were used before and flaked: each timer reads the clock when it is created, so
    // a millisecond boundary between the two put them in different turns.
    const writes = await new Promise<Promise<number>[]>((resolve) => {
      const out: Promise<number>[] = [];
      setImmediate(() => out.push(gate.run(write)));
      setImmediate(() => {
        out.push(gate.run(write));
        resolve(out);
      });
    });
    assert.deepEqual(await Promise.all(writes), [1, 2]);
    assert.deepEqual(port.log, ['begin', 'commit']);
  });
});

describe('ConnectionGate: onOpen (work that may wait rides along with a group)', () => {
  it('tells each group once, a microtask after it opened and never inside the call that opened it; what it writes shares that COMMIT', async () => {
    const port = scriptedPort();
    const gate = new ConnectionGate(port);
    const write = (): number => ++port.rows;
    const told: string[] = [];
    let riding: Promise<number> | undefined;
    const stop = gate.onOpen(() => {
      told.push(port.log.join(' '));
      riding ??= gate.run(write);
    });
    const first = gate.run(() => {
      told.push('inside');
      return write();
    });
    const second = gate.run(write);
    assert.deepEqual(told, ['inside'], 'not yet: the call that opened the group runs alone');
    await Promise.all([first, second]);
    assert.equal(await riding, 3, 'the rider wrote after the two calls of the group');
    assert.deepEqual(told, ['inside', 'begin']);
    assert.deepEqual(port.log, ['begin', 'commit'], 'the rider wrote into the open group: one COMMIT');
    stop();
    await gate.run(write);
    assert.equal(told.length, 2, 'no longer told once stopped');
  });
});

describe('ConnectionGate: commitNow (a lone message’s reply)', () => {
  it('commits the issued group at once, not at the end of the turn; its own end then leaves a later group alone', async () => {
    const port = scriptedPort();
    const gate = new ConnectionGate(port);
    const write = (): number => ++port.rows;
    const issued = await gate.issue(write);
    assert.deepEqual(port.log, ['begin'], 'issued: the COMMIT is still to come');
    issued.commitNow();
    assert.deepEqual(port.log, ['begin', 'commit'], 'committed in the call, before any other callback of the turn');
    await issued.committed;
    // The first group's end-of-turn callback is still queued. A group opened after it must wait for its own end:
    // an immediate queued between the two sees it still open (before, the first group's end committed it).
    const seenBetween = new Promise<string[]>((resolve) => setImmediate(() => resolve([...port.log])));
    const later = gate.run(write);
    assert.deepEqual(await seenBetween, ['begin', 'commit', 'begin'], 'the later group was not cut short by the earlier one’s end');
    assert.equal(await later, 2);
    assert.deepEqual(port.log, ['begin', 'commit', 'begin', 'commit']);
    issued.commitNow();
    assert.equal(port.log.length, 4, 'a group committed already is not committed again, nor is the open one');
  });

  it('while a hold has the connection, commits when the hold ends, with what the hold wrote', async () => {
    const port = scriptedPort();
    const gate = new ConnectionGate(port);
    const write = (): number => ++port.rows;
    const issued = await gate.issue(write);
    let release!: () => void;
    const holding = gate.hold(async () => {
      write();
      await new Promise<void>((r) => (release = r));
    });
    issued.commitNow();
    assert.ok(!port.log.includes('commit'), 'not while the hold has the connection');
    release();
    await holding;
    await issued.committed;
    assert.deepEqual(port.log, ['begin', 'savepoint', 'release', 'commit']);
  });
});

describe('ConnectionGate: a COMMIT that fails', () => {
  it('rejects every write of the group with the reason and rolls back; a read of the group still answers', async () => {
    const port = scriptedPort();
    const gate = new ConnectionGate(port);
    port.failCommit = true;
    const write = (): number => ++port.rows;
    const a = gate.run(write);
    const b = gate.run(write);
    const read = gate.run(() => 'seen');
    assert.equal(await read, 'seen');
    await assert.rejects(a, /disk I\/O error/);
    await assert.rejects(b, /disk I\/O error/);
    assert.deepEqual(port.log, ['begin', 'commit', 'rollback']);
    // The next group starts afresh.
    port.failCommit = false;
    assert.equal(await gate.run(write), 3);
    assert.deepEqual(port.log.slice(3), ['begin', 'commit']);
  });
});

/** Microtasks until `get` answers (a hold's `written` runs a few microtasks after its body). */
async function waitForGroup(get: () => object | undefined): Promise<void> {
  for (let i = 0; i < 100 && !get(); i++) await Promise.resolve();
  assert.ok(get(), 'written was called before the COMMIT');
}
