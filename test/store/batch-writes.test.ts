// A batch's rows in multi-row statements (issue 17: statements per echoed message), on both engines: a sync's messages
// (duplicates inside the batch and of rows stored before detected, order kept), a batch's event log rows (in order, seq
// rising), and a settle batch's sent rows; each for a batch of 1 and one over a statement's ROWS_PER_INSERT rows.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/index.js';
import { ROWS_PER_INSERT } from '../../src/store/sql/rows-insert.js';
import type { Message } from '../../src/transport/model.js';
import type { OutboundRecord } from '../../src/bot/outbound-record.js';
import { openTestStore } from '../helpers/store.js';

const root = mkdtempSync(join(tmpdir(), 'weiroto-batch-writes-'));
const opened: Store[] = [];
after(async () => {
  await Promise.all(opened.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

function text(id: string, body = `text ${id}`): Message {
  return { id, type: 'text', chatId: '@c', senderId: '@p', toId: '@me', isSelf: false, text: body, mentionsSelf: false, mentions: [], createdAt: 1000 };
}

const OVER = ROWS_PER_INSERT + 6;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`batch writes (${kind})`, () => {
    async function fresh(): Promise<Store> {
      const store = await openTestStore({ dataDir: mkdtempSync(join(root, 's-')), kind });
      opened.push(store);
      return store;
    }

    it('a batch of messages: new ones stored in order, duplicates in the batch and of stored rows detected', async () => {
      const store = await fresh();
      assert.deepEqual(await store.messages.insertMany('a1', [{ message: text('one'), chatName: 'Chat' }]), [true]);
      // 'one' stored before; 'x' twice in the batch (the first is stored, with its own text); then more rows than one
      // statement takes, with a duplicate of a row of the first statement in the second.
      const ids = ['one', 'x', 'y', 'x', ...Array.from({ length: OVER }, (_, i) => `m${i}`), 'y', 'm0'];
      const isNew = await store.messages.insertMany(
        'a1',
        ids.map((id, i) => ({ message: text(id, `${id} #${i}`), chatStableId: 'stable' })),
      );
      assert.deepEqual(
        isNew,
        ids.map((id, i) => id !== 'one' && ids.indexOf(id) === i),
      );
      const page = await store.messages.list('a1', { limit: 500 });
      const stored = page.items.map((m) => m.id).reverse();
      assert.deepEqual(stored, ['one', 'x', 'y', ...Array.from({ length: OVER }, (_, i) => `m${i}`)], 'stored once each, in order');
      assert.equal((await store.messages.get('a1', 'x'))?.text, 'x #1', 'the first of a duplicate pair is the one kept');
      assert.equal((await store.messages.get('a1', 'one'))?.chatName, 'Chat');
      // Another account's same ids are new to it; an empty batch stores nothing.
      assert.deepEqual(await store.messages.insertMany('a2', [{ message: text('one') }]), [true]);
      assert.deepEqual(await store.messages.insertMany('a2', []), []);
      // The full-text index takes the batch's rows (SQLite: indexed before the next COMMIT or search).
      assert.deepEqual(
        (await store.messages.list('a1', { text: 'm5 #' })).items.map((m) => m.id),
        ['m5'],
      );
    });

    it("a batch's event log rows: in order, seq rising, beyond one statement", async () => {
      const store = await fresh();
      const ev = (i: number) => ({ type: i % 2 ? 'message.sent' : 'message.received', account: 'a1', at: 1000 + i, body: `{"i":${i}}` });
      await store.eventLog.insertMany([ev(0)]);
      await store.transaction(async (tx) => tx.eventLog.insertMany(Array.from({ length: OVER }, (_, i) => ev(i + 1))));
      await store.eventLog.insert(ev(OVER + 1));
      const read = await store.eventLog.read({ after: 0, limit: 1000 });
      assert.deepEqual(
        read.map((e) => e.body),
        Array.from({ length: OVER + 2 }, (_, i) => `{"i":${i}}`),
      );
      assert.deepEqual(
        read.map((e) => [e.type, e.at]),
        Array.from({ length: OVER + 2 }, (_, i) => [ev(i).type, ev(i).at]),
      );
      for (let i = 1; i < read.length; i++) assert.ok(read[i]!.seq > read[i - 1]!.seq);
    });

    it("a settle batch's sent rows in one update each statement, other rows untouched", async () => {
      const store = await fresh();
      const records: OutboundRecord[] = [];
      for (let i = 0; i < OVER + 2; i++) {
        const { record } = await store.outbound.enqueue({ id: `o${i}`, account: 'a1', chatId: '@c', type: 'text', text: `t${i}`, createdAt: 1000 + i });
        records.push(record);
      }
      const sent = (i: number) => ({ ...records[i]!, status: 'sent' as const, wechatId: `w${i}`, sentAt: 5000 + i, attempts: i % 3 });
      await store.outbound.markSentMany([sent(0)]);
      await store.outbound.markSentMany(Array.from({ length: OVER }, (_, i) => sent(i + 1)));
      for (let i = 0; i < OVER + 2; i++) {
        const r = await store.outbound.get(`o${i}`);
        if (i <= OVER) assert.deepEqual([r?.status, r?.wechatId, r?.sentAt, r?.attempts], ['sent', `w${i}`, 5000 + i, i % 3], `o${i}`);
        else assert.equal(r?.status, 'queued', 'a row not in the batch stays as it was');
      }
    });
  });
}
