/**
 * What the parts of one session share: the api, the contact book, the emitter, the clock and
 * bounded per-session memories (seen message ids, ids of our own sends, raw fields needed to
 * forward or download). One instance per transport; nothing module-level.
 */
import type { Logger } from '../logger.js';
import type { Message } from '../transport/model.js';
import type { Clock } from '../util/clock.js';
import type { WebApi } from './api.js';
import type { ContactBook } from './contact-book.js';
import type { TransportEmitter } from '../transport/transport-emitter.js';
import { BoundedMap } from './bounded.js';
import { BoundedSet } from '../util/bounded-set.js';
import { SendsInFlight } from '../transport/sends-in-flight.js';
import type { ClientMsgIds } from './ids.js';
import type { RawAddMsg } from './raw-types.js';

/** The raw fields of a received message that forward() and download() need later. */
export type RawMsgRef = Pick<RawAddMsg, 'MsgId' | 'FromUserName' | 'ToUserName' | 'MsgType' | 'AppMsgType' | 'MediaId' | 'FileName' | 'HasProductId'> & {
  EncryFileName?: string;
  /** Kept only for app messages and locations (needed to forward them). */
  Content?: string;
  OriContent?: string;
};

export interface SyncTuning {
  /** First back-off delay after a failed cycle. */
  backoffBaseMs: number;
  /** Cap of the exponential back-off. */
  backoffMaxMs: number;
  /** Empty syncs in a row before a pause (§11.2). */
  emptySyncsBeforePause: number;
  emptySyncPauseMs: number;
  /** Max consecutive ContinueFlag syncs in one cycle. */
  maxContinue: number;
  /** Extra slack on top of the request timeouts before the watchdog aborts a hung cycle. */
  watchdogSlackMs: number;
  /** How long a sync waits at most for the account's sends in flight, to fetch their echoes in one go, and a synccheck after a sync that
   * brought messages for the replies to them (transport/sends-in-flight.ts); both together, between two syncs. */
  sendsSettleMaxMs: number;
}

export const DEFAULT_SYNC_TUNING: SyncTuning = {
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  emptySyncsBeforePause: 3,
  emptySyncPauseMs: 1500,
  maxContinue: 50,
  watchdogSlackMs: 5000,
  sendsSettleMaxMs: 500,
};

export interface SessionCore {
  api: WebApi;
  book: ContactBook;
  events: TransportEmitter;
  clock: Clock;
  log: Logger;
  tuning: SyncTuning;
  clientIds: ClientMsgIds;
  /** MsgIds already dispatched (dedupe across syncs, retries and echoes). */
  seen: BoundedSet;
  /** MsgIDs returned by our sends: their echoes are ours whatever From says. */
  sentIds: BoundedSet;
  /** Send calls in flight (the sync loop lets them finish first). */
  sends: SendsInFlight;
  rawMessages: BoundedMap<RawMsgRef>;
  /** Recent messages by MsgId, for the `original` of a recall (§10.8). */
  recent: BoundedMap<Message>;
  /** `roomId|memberId` → when a room-leave reported it (the text and the list change are one leave). */
  leaves: BoundedMap<number>;
  /** False during start-up loading: contact updates are then summarised by `ready`. */
  live: boolean;
  batchConcurrency: number;
}

/** How many recent messages are kept for recalls (WeChat allows recalls within 2 minutes). */
export const RECENT_MESSAGES = 2000;

export function newMemories(): Pick<SessionCore, 'seen' | 'sentIds' | 'sends' | 'rawMessages' | 'recent' | 'leaves'> {
  return {
    sends: new SendsInFlight(),
    seen: new BoundedSet(5000),
    sentIds: new BoundedSet(2000),
    rawMessages: new BoundedMap(2000),
    recent: new BoundedMap(RECENT_MESSAGES),
    leaves: new BoundedMap(1000),
  };
}
