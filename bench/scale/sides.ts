/**
 * The sandbox side of the scale bench, per transport, through the control APIs only (the sandbox
 * runs in its own process): scan one account's QR, count held long polls and QR codes, and time one
 * echo with the sandbox's own clock (inbound and outbound `at` of the same process: the polling of
 * this driver adds nothing to the figure).
 */
import { SandboxControlError } from '../../src/sandbox/control-client.js';
import type { SandboxProcess } from './sandbox-process.js';

export type ScaleTransport = 'web' | 'ilink';

export interface Side {
  /** Scan and confirm a waiting QR as the i-th phone; false when no QR is waiting yet. */
  login(i: number): Promise<boolean>;
  /** Long polls held open right now (synccheck / getupdates). */
  held(): Promise<number>;
  /** QR codes the sandbox has handed out so far. */
  qrCodes(): Promise<number>;
  /** Requests the sandbox has answered so far, and of them webwxsync (web only: iLink keeps no such count). */
  traffic(): Promise<{ requests: number; syncs: number } | undefined>;
  /** Choose the account that gets the latency pings (one in the middle). */
  pickTarget(accounts: number): Promise<void>;
  /** Inject one text to the target and answer its echo time in the sandbox's clock (ms). */
  echo(text: string, alive: () => void): Promise<number>;
}

const noQrYet = (e: unknown): boolean => e instanceof SandboxControlError && (e.status === 404 || e.status === 409);

/**
 * A control call that meets a connection error (the sandbox closed a kept-alive socket as the call
 * went out: common when it is busy) is made again. Only for calls that may run twice: reads, and
 * writes whose second run does no harm here (a scan of a named QR, a confirm, one more ping).
 */
export async function again<T>(call: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await call();
    } catch (e) {
      if (e instanceof SandboxControlError || tries >= 5) throw e;
      await new Promise((r) => setTimeout(r, 100 * tries));
    }
  }
}

/** Poll `read` every 10 ms until it answers a number (a wait for an echo: ends on the echo or when `alive` throws). */
async function poll(read: () => Promise<number | undefined>, alive: () => void): Promise<number> {
  for (;;) {
    alive();
    const v = await read();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function webSide(sb: SandboxProcess): Side {
  const c = sb.control;
  let account = '';
  let friends: string[] = [];
  let n = 0;
  return {
    async login(i) {
      // A named QR: scanning it again after a lost answer says 409 "scanned", and this driver is its only scanner.
      const q = (await again(() => c.state(false, '0'))).qrcodes.findLast((x) => x.status === 'waiting');
      if (!q) return false;
      try {
        await again(() => c.scan({ uuid: q.uuid, account: String(i) }));
      } catch (e) {
        if (!noQrYet(e)) throw e;
        // Expired or taken since it was listed: look again.
        if (!(e as Error).message.includes('is scanned')) return false;
      }
      await again(() => c.confirm({ uuid: q.uuid }));
      return true;
    },
    held: async () => (await again(() => c.stats())).heldSynccheck,
    qrCodes: async () => (await again(() => c.state(false, '0'))).counters.qrsCreated ?? NaN,
    async traffic() {
      const { counters } = await again(() => c.state(false, '0'));
      return { requests: counters.requests ?? NaN, syncs: counters.syncs ?? NaN };
    },
    async pickTarget(accounts) {
      const a = (await again(() => c.state(false, String(Math.floor(accounts / 2))))).accounts[0]!;
      account = a.id;
      friends = a.friends.filter((f) => f.kind === 'friend').map((f) => f.id);
    },
    async echo(text, alive) {
      const since = (await again(() => c.journal({ account }))).next;
      await again(() => c.sendMessage({ account, from: friends[n++ % friends.length]!, text }));
      let from = since;
      let inAt: number | undefined;
      return poll(async () => {
        const j = await again(() => c.journal({ account, since: from }));
        from = j.next;
        for (const e of j.entries) {
          if (e.text !== text) continue;
          if (e.dir === 'in') inAt = e.at;
          else if (e.dir === 'out' && inAt !== undefined) return e.at - inAt;
        }
        return undefined;
      }, alive);
    },
  };
}

export function ilinkSide(sb: SandboxProcess): Side {
  const c = sb.ilink;
  let user = '';
  return {
    async login() {
      try {
        // Run twice after a lost answer, it binds one more phone user: harmless here.
        await again(() => c.confirm({ user: 'new' }));
        return true;
      } catch (e) {
        if (noQrYet(e)) return false;
        throw e;
      }
    },
    held: async () => (await again(() => c.state())).counters.heldPolls ?? NaN,
    qrCodes: async () => (await again(() => c.state())).counters.qrCodes ?? 0,
    traffic: () => Promise.resolve(undefined),
    async pickTarget(accounts) {
      const bound = (await again(() => c.state())).users.filter((u) => u.bot);
      const u = bound[Math.floor(Math.min(accounts, bound.length) / 2)];
      if (!u) throw new Error('no iLink user has a bot');
      user = u.id;
    },
    async echo(text, alive) {
      const since = (await again(() => c.chat({ user }))).next;
      await again(() => c.sendMessage({ user, text }));
      let from = since;
      let inAt: number | undefined;
      return poll(async () => {
        const r = await again(() => c.chat({ user, since: from }));
        from = r.next;
        for (const l of r.lines) {
          if (l.items[0]?.text !== text) continue;
          if (l.dir === 'in') inAt = l.at;
          else if (inAt !== undefined) return l.at - inAt;
        }
        return undefined;
      }, alive);
    },
  };
}
