/** iLink transports for tests: a step clock that records every pause, and a restored session. */
import { IlinkTransport, createIlinkTransport, type IlinkTransportOptions } from '../../../src/ilink/index.js';
import type { SessionSnapshot } from '../../../src/transport/transport.js';
import type { Clock } from '../../../src/util/clock.js';
import { after, afterEach, before } from 'node:test';
import { BOT, OWNER, TOKEN, ScriptedServer } from './scripted-server.js';

/** Time moves only by the pauses the client takes; each pause is recorded and ends at once. */
export class StepClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = 1_790_000_000_000) {}
  now(): number {
    return this.time;
  }
  random(): number {
    return 0.5;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.sleeps.push(ms);
      this.time += ms;
      setImmediate(() => (signal?.aborted ? reject(signal.reason) : resolve()));
    });
  }
}

/** A snapshot as a logged-in client would save it, pointing at `origin`. */
export function savedSession(origin: string, extra: Record<string, unknown> = {}): SessionSnapshot {
  return { kind: 'ilink', v: 1, token: TOKEN, botId: BOT, userId: OWNER, baseUrl: origin, cursor: '', peers: [], ...extra };
}

export function client(server: ScriptedServer, options: Partial<IlinkTransportOptions> = {}): IlinkTransport {
  return new IlinkTransport({
    baseUrl: server.origin,
    cdnUrl: `${server.origin}/c2c`,
    version: '0.1.0',
    tuning: { chunkGapMs: 0, sendRetryMs: 1, pollTimeoutMs: 2000, pollMarginMs: 500 },
    qr: { pollIntervalMs: 1 },
    ...options,
  });
}

/** The iLink client as an account uses it, pointed at a running sandbox's iLink server (no pauses between chunks). */
export function sandboxClient(origin: string): IlinkTransport {
  return createIlinkTransport({
    baseUrl: origin,
    cdnUrl: `${origin}/c2c`,
    version: '0.1.0',
    tuning: { chunkGapMs: 0, sendRetryMs: 1 },
    qr: { pollIntervalMs: 20 },
  });
}

/** Pauses for a client on the sandbox: short after errors, none between chunks, a poll given up 1 s past the server's hold. */
export const SANDBOX_TUNING = { errorPauseMs: 20, longPauseMs: 50, chunkGapMs: 0, pollMarginMs: 1000 };

/** The iLink transport an account's manager makes on the sandbox's iLink server at `origin` (or a proxy before it). */
export function accountClient(origin: string, options: Partial<IlinkTransportOptions> = {}): IlinkTransport {
  return new IlinkTransport({ baseUrl: origin, cdnUrl: `${origin}/c2c`, version: '0.1.0', tuning: SANDBOX_TUNING, qr: { pollIntervalMs: 20 }, ...options });
}

/** One scripted server per suite, and the suite's transport stopped after each test. */
export function scriptedSuite(configure?: (server: ScriptedServer) => void): { server: ScriptedServer; t: IlinkTransport | undefined } {
  const ctx = { server: undefined as unknown as ScriptedServer, t: undefined as IlinkTransport | undefined };
  before(async () => {
    ctx.server = await new ScriptedServer().start();
    configure?.(ctx.server);
  });
  after(() => ctx.server.close());
  afterEach(async () => {
    await ctx.t?.stop();
    ctx.t = undefined;
    ctx.server.requests.length = 0;
  });
  return ctx;
}
