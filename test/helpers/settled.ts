/** The outbound queue's `commitSettled` for tests of the queue alone: the rows' final states, nothing else. */
import { markSettled } from '../../src/bot/settle-batch.js';
import type { OutboundRecord } from '../../src/bot/outbound-record.js';
import type { Store } from '../../src/store/index.js';

export function markAll(store: Store, records: OutboundRecord[]): Promise<void> {
  return store.transaction(async (tx) => {
    for (const r of records) await markSettled(tx.outbound, r);
  });
}
