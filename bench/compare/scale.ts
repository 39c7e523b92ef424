/**
 * Scale: many accounts in one weiroto process against one sandbox (TLS mode, real host names):
 * time until every account is online, RSS, CPU at idle with every long poll held, and the latency
 * of a message to one of them.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './clients.js';
import { median, quantile } from './measure.js';
import { Child, cpuMs, memoryMiB } from './proc.js';
import { World } from './world.js';

export interface ScaleOptions {
  accounts: number;
  contacts: number;
  rooms: number;
  roomSize: number;
  /** Long-poll hold of the sandbox (25 s like WeChat: idle accounts hold their synccheck). */
  holdMs: number;
  idleMs: number;
  latencyCount: number;
  /** LOGIN_CONCURRENCY of the restarted process (default 10). */
  loginConcurrency?: number;
}

export interface ScaleResult {
  accounts: number;
  allOnlineMs: number;
  rssMiB: number;
  peakRssMiB: number;
  idleCpuPercent: number;
  idleMs: number;
  latency: { median: number; p90: number };
  heldPolls: number;
  /** The same process restarted on the same DATA_DIR: every account resumed by startAll. */
  restore: { loginConcurrency: number; allOnlineMs: number; newQrs: number; rssMiB: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runScale(o: ScaleOptions): Promise<ScaleResult> {
  const world = await World.start({ accounts: o.accounts, contacts: o.contacts, rooms: o.rooms, roomSize: o.roomSize, holdMs: o.holdMs });
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  mkdirSync(join(dir, 'data'));
  const loginConcurrency = o.loginConcurrency ?? 10;
  const spawnMulti = (extra: Record<string, string>): Child =>
    new Child(
      'weiroto-multi',
      ['--require', join(ROOT, 'test/helpers/wechat4u-hosts.cjs'), join(ROOT, 'bench/compare/weiroto-multi.mjs')],
      {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        NODE_ENV: 'production',
        SANDBOX_TLS_PORT: String(world.tlsPort),
        NODE_EXTRA_CA_CERTS: world.caCertPath,
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: join(dir, 'data'),
        BOT_PLUGINS: 'echo',
        SEND_PACING: 'off',
        LOG_LEVEL: 'warn',
        ACCOUNTS: String(o.accounts),
        LOGIN_CONCURRENCY: String(loginConcurrency),
        ...extra,
      },
      dir,
    );
  /** Poll /readyz until every account is online. */
  const allOnline = async (url: string, since: number): Promise<void> => {
    for (;;) {
      let body = '';
      try {
        const res = await fetch(`${url}/readyz`);
        body = await res.text();
        if (res.status === 200) return;
      } catch (e) {
        // A busy process may drop one probe; a dead one ends the run with its own last words.
        if (child.proc.exitCode !== null || child.proc.signalCode !== null) throw new Error(`weiroto-multi died: ${String(e)}\n${child.tails()}`);
        body = String(e);
      }
      if (Date.now() - since > 300_000) throw new Error(`not every account came online: ${body.slice(0, 300)}\n${child.tails()}`);
      await sleep(100);
    }
  };
  let child = spawnMulti({});
  try {
    const started = Date.now();
    // Scan and confirm every QR as it appears, each as its own sandbox account.
    for (let i = 0; i < o.accounts; i++) {
      const uuid = await world.nextQr(60_000);
      await world.login(uuid, world.account(i));
    }
    const { url } = (await child.waitFor('listening', (e) => e.event === 'listening', 60_000)) as unknown as { url: string };
    await allOnline(url, started);
    const allOnlineMs = Date.now() - started;

    // Idle: every account holds its synccheck; let start-up work finish, then measure.
    await sleep(Math.min(5_000, o.idleMs / 4));
    const cpu0 = cpuMs(child.pid);
    const t0 = Date.now();
    await sleep(o.idleMs);
    const idleCpuPercent = ((cpuMs(child.pid) - cpu0) / (Date.now() - t0)) * 100;
    const heldPolls = world.sb.state.counters.synccheckHeld;
    const mem = memoryMiB(child.pid);

    // Latency of a message to one account among many.
    const account = world.account(Math.floor(o.accounts / 2));
    const friends = world.senders(account).friends;
    const lat: number[] = [];
    for (let i = 0; i < o.latencyCount; i++) {
      const text = `scale ${i} ping`;
      const wait = world.echoes(account, [text], 15_000);
      const at = Date.now();
      world.inject(account, [{ from: friends[(i * 37) % friends.length]!, text }]);
      const [echoAt] = await wait.done;
      lat.push(echoAt! - at);
    }

    // Restart on the same data: every account must come back from its saved session, in waves.
    await child.stop(20_000);
    const qrsBefore = world.sb.state.qrs.size;
    const restartedAt = Date.now();
    child = spawnMulti({ RESTORE: '1' });
    const restarted = (await child.waitFor('listening', (e) => e.event === 'listening', 120_000)) as unknown as { url: string };
    await allOnline(restarted.url, restartedAt);
    const restore = {
      loginConcurrency,
      allOnlineMs: Date.now() - restartedAt,
      newQrs: world.sb.state.qrs.size - qrsBefore,
      rssMiB: memoryMiB(child.pid).rss,
    };
    return {
      accounts: o.accounts,
      allOnlineMs,
      rssMiB: mem.rss,
      peakRssMiB: mem.peak,
      idleCpuPercent,
      idleMs: o.idleMs,
      latency: { median: median(lat), p90: quantile(lat, 0.9) },
      heldPolls,
      restore,
    };
  } finally {
    await child.stop(20_000);
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
