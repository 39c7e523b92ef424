/**
 * batchgetcontact in chunks of ≤50, a few calls in flight (§5.4), fed while ids become known: at
 * start-up the groups of each address-book page are fetched while the next page loads. Results go
 * into the book (and out as events when live). A failing chunk is logged and skipped, except a
 * logout or an abort, which `finish()` throws.
 */
import { isTransportError } from '../transport/errors.js';
import type { SessionCore } from './core.js';
import type { RawBatchGetContactItem } from './raw-types.js';

const CHUNK = 50;

export class ContactFetcher {
  private queue: RawBatchGetContactItem[] = [];
  private inFlight = 0;
  private closed = false;
  /** Send a partial chunk too (cleared once the queue is empty). */
  private flushing = false;
  private got = 0;
  private fatal: unknown;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly core: SessionCore,
    private readonly signal?: AbortSignal,
  ) {}

  /** Queue entries; full chunks go out at once (a partial one waits for more or for finish()). */
  add(items: Iterable<RawBatchGetContactItem>): void {
    for (const item of items) this.queue.push(item);
    this.pump();
  }

  /** Send what is queued now, a partial chunk included, as soon as a call is free. */
  flush(): void {
    this.flushing = true;
    this.pump();
  }

  /** Send what is left, wait for every call; answers how many entries arrived. */
  async finish(): Promise<number> {
    this.closed = true;
    this.pump();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    if (this.fatal !== undefined) throw this.fatal;
    return this.got;
  }

  private pump(): void {
    while (
      this.fatal === undefined &&
      this.inFlight < this.core.batchConcurrency &&
      (this.queue.length >= CHUNK || ((this.closed || this.flushing) && this.queue.length > 0))
    ) {
      const chunk = this.queue.splice(0, CHUNK);
      if (this.queue.length === 0) this.flushing = false;
      this.inFlight++;
      void this.fetch(chunk).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.closed) this.onIdle?.();
      });
    }
  }

  private async fetch(chunk: RawBatchGetContactItem[]): Promise<void> {
    const { core } = this;
    try {
      const list = await core.api.batchGetContact(chunk, this.signal);
      for (const raw of list) {
        const change = core.book.upsert(raw);
        this.got++;
        if (!change || !core.live) continue;
        if (change.kind === 'room') core.events.emit('room-update', change.room);
        else core.events.emit('contact-update', change.contact);
      }
    } catch (err) {
      if (this.signal?.aborted || (isTransportError(err) && err.kind === 'logged-out')) {
        this.fatal ??= err;
        return;
      }
      core.log.warn({ err, count: chunk.length }, 'batchgetcontact chunk failed');
    }
  }
}

/** Fetch these entries (see ContactFetcher). */
export function fetchContacts(core: SessionCore, items: RawBatchGetContactItem[], signal?: AbortSignal): Promise<number> {
  if (items.length === 0) return Promise.resolve(0);
  const f = new ContactFetcher(core, signal);
  f.add(items);
  return f.finish();
}

/** batchgetcontact entries for these ids (people or groups). */
export function batchItems(ids: Iterable<string>): RawBatchGetContactItem[] {
  const out: RawBatchGetContactItem[] = [];
  for (const id of ids) out.push({ UserName: id, EncryChatRoomId: '' });
  return out;
}
