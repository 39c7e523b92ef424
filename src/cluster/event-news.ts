/**
 * Events committed on one node, heard by the others. Each node says on the events channel which
 * events it committed (a message received, sent or recalled, a login …): the account, the type and
 * the chat of each, in one publish per turn of its event loop, after the commit. The other nodes
 * wake their event stream's readers (`GET /api/v1/events`), which read the shared event log from
 * where they stopped (each event once, in order, whichever node wrote it), and tell their panels'
 * live views (a message log reloads its rows).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BotEvent } from '../accounts/index.js';
import { clusterKeys } from './keys.js';
import { othersNews } from './news.js';

/** What the other nodes learn of an event: enough for a live view to know whether it concerns it. */
export interface EventNotice {
  account: string;
  type: string;
  chatId?: string;
  at: number;
}

interface EventsNews {
  node: string;
  events: EventNotice[];
}

/** State changes are not journalled (the accounts channel carries them): no reader waits for them. */
const NOT_LOGGED = new Set(['account.state']);

export class EventNews {
  private queued: EventNotice[] = [];
  private readonly listeners = new Set<(events: EventNotice[]) => void>();
  private readonly log: Logger;

  constructor(private readonly deps: { redis: Redis; node: string; log: Logger }) {
    this.log = deps.log.child({ ns: 'cluster:events' });
  }

  /** An event this node committed (the manager announces them after their commit). */
  committed(e: BotEvent): void {
    if (NOT_LOGGED.has(e.type)) return;
    if (this.queued.length === 0) setImmediate(() => this.flush());
    this.queued.push({ account: e.account, type: e.type, ...(e.chatId !== undefined && { chatId: e.chatId }), at: e.at });
  }

  /** A message on the events channel. */
  onMessage(text: string): void {
    const news = othersNews<EventsNews>(text, this.deps.node);
    if (!news || !Array.isArray(news.events)) return;
    for (const l of this.listeners) {
      try {
        l(news.events);
      } catch (e) {
        this.log.warn({ err: e }, 'cluster: a listener to other nodes’ events threw');
      }
    }
  }

  /** Events other nodes committed, as they hear of them. Returns the unsubscribe function. */
  onElsewhere(listener: (events: EventNotice[]) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private flush(): void {
    const events = this.queued;
    this.queued = [];
    this.deps.redis
      .publish(clusterKeys.events, JSON.stringify({ node: this.deps.node, events } satisfies EventsNews))
      .catch((e: unknown) =>
        this.log.warn(
          { err: e, events: events.length },
          'cluster: could not tell the other nodes of new events; their streams read them at their next keep-alive',
        ),
      );
  }
}
