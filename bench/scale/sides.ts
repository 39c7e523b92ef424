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
  /** Choose the account that gets the latency pings (one in the middle). */
  pickTarget(accounts: number): Promise<void>;
  /** Inject one text to the target and answer its echo time in the sandbox's clock (ms). */
  echo(text: string, alive: () => void): Promise<number>;
}

const noQrYet = (e: unknown): boolean => e instanceof SandboxControlError && (e.status === 404 || e.status === 409);

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
      try {
        const q = await c.scan({ account: String(i) });
        await c.confirm({ uuid: q.uuid });
        return true;
      } catch (e) {
        if (noQrYet(e)) return false;
        throw e;
      }
    },
    held: async () => (await c.stats()).heldSynccheck,
    qrCodes: async () => (await c.state(false, '0')).counters.qrsCreated ?? NaN,
    async pickTarget(accounts) {
      const a = (await c.state(false, String(Math.floor(accounts / 2)))).accounts[0]!;
      account = a.id;
      friends = a.friends.filter((f) => f.kind === 'friend').map((f) => f.id);
    },
    async echo(text, alive) {
      const since = (await c.journal({ account })).next;
      await c.sendMessage({ account, from: friends[n++ % friends.length]!, text });
      let from = since;
      let inAt: number | undefined;
      return poll(async () => {
        const j = await c.journal({ account, since: from });
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
        await c.confirm({ user: 'new' });
        return true;
      } catch (e) {
        if (noQrYet(e)) return false;
        throw e;
      }
    },
    held: async () => (await c.state()).counters.heldPolls ?? NaN,
    qrCodes: async () => (await c.state()).counters.qrCodes ?? 0,
    async pickTarget(accounts) {
      const bound = (await c.state()).users.filter((u) => u.bot);
      const u = bound[Math.floor(Math.min(accounts, bound.length) / 2)];
      if (!u) throw new Error('no iLink user has a bot');
      user = u.id;
    },
    async echo(text, alive) {
      const since = (await c.chat({ user })).next;
      await c.sendMessage({ user, text });
      let from = since;
      let inAt: number | undefined;
      return poll(async () => {
        const r = await c.chat({ user, since: from });
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
