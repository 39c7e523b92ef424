import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createEventLog } from '../../src/webhook/event-log.js';
import { createCommitSignal } from '../../src/webhook/commit-signal.js';
import type { EventLogRepo } from '../../src/store/index.js';

// Only the wake bookkeeping is exercised: no call reaches the repository.
const repo = {} as EventLogRepo;

it('a reader that noted the wakes before its read is not left waiting for a wake that came after it (a commit the read missed)', async () => {
  const committed = createCommitSignal();
  const log = createEventLog(repo, undefined, { committed });
  const seen = log.wakes();
  // The read ran (and found nothing: the COMMIT was not done); the event committed and woke the log before the reader waits.
  committed.wake();
  const never = new AbortController();
  const outcome = await Promise.race([log.changed(never.signal, seen).then(() => 'read again'), new Promise((r) => setTimeout(() => r('still waiting'), 200))]);
  assert.equal(outcome, 'read again');
  // With no wake since, it waits for the next one.
  const now = log.wakes();
  const next = log.changed(never.signal, now).then(() => 'woken');
  const early = await Promise.race([next, new Promise((r) => setTimeout(() => r('waiting'), 50))]);
  assert.equal(early, 'waiting');
  committed.wake();
  assert.equal(await next, 'woken');
});
