import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createEventLog } from '../../src/webhook/event-log.js';
import type { EventLogRepo } from '../../src/store/index.js';

// Only the wake bookkeeping is exercised: no call reaches the repository.
const repo = {} as EventLogRepo;

it('a reader that noted the wakes before its read is not left waiting for a wake that came after it (a commit the read missed)', async () => {
  const log = createEventLog(repo);
  const seen = log.wakes();
  // The read ran (and found nothing: the COMMIT was not done); the event committed and woke the log before the reader waits.
  log.wake();
  const never = new AbortController();
  const outcome = await Promise.race([log.changed(never.signal, seen).then(() => 'read again'), new Promise((r) => setTimeout(() => r('still waiting'), 200))]);
  assert.equal(outcome, 'read again');
  // With no wake since, it waits for the next one.
  const now = log.wakes();
  const next = log.changed(never.signal, now).then(() => 'woken');
  const early = await Promise.race([next, new Promise((r) => setTimeout(() => r('waiting'), 50))]);
  assert.equal(early, 'waiting');
  log.wake();
  assert.equal(await next, 'woken');
});
