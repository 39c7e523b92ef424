/**
 * The three ways the cluster bench runs the same iLink accounts: one node on SQLite, one node on
 * PostgreSQL without Redis, and N nodes on PostgreSQL with Redis (leases, fencing). Each side is
 * `weiroto start` processes, restored from the sessions the login phase saved: none asks for a QR.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountsOn, onlineOn, startNode, type ClusterEnv, type ClusterNode } from '../../test/cluster/helpers/nodes.js';
import { cpuMs, memoryMiB } from '../compare/proc.js';

export type SideName = 'sqlite' | 'postgres' | 'cluster';

export interface SideSetup {
  /** DATA_DIR of the SQLite side (its store), and of the others (media only). */
  sqliteDir: string;
  databaseUrl: string;
  redisUrl: string;
  sandboxOrigin: string;
  /** Nodes of the cluster side. */
  nodes: number;
}

/** The settings of a side's nodes: an empty DATABASE_URL or REDIS_URL is unset. */
export function sideEnv(side: SideName, s: SideSetup): ClusterEnv {
  return {
    dataDir: s.sqliteDir,
    databaseUrl: side === 'sqlite' ? '' : s.databaseUrl,
    redisUrl: side === 'cluster' ? s.redisUrl : '',
    sandboxOrigin: s.sandboxOrigin,
    leaseTtlMs: 15_000,
    // JOIN_WAIT_MS as deployed (the test helper's default is 0): the cluster's nodes start together.
    extra: { WECHAT_TRANSPORT: 'ilink', ILINK_BASE_URL: s.sandboxOrigin, ILINK_CDN_URL: `${s.sandboxOrigin}/c2c`, JOIN_WAIT_MS: '10000' },
  };
}

export class RunningSide {
  private constructor(
    readonly name: SideName,
    readonly nodes: ClusterNode[],
  ) {}

  /** Start the side's nodes at once (a cluster's nodes spread the accounts as they join). */
  static async start(name: SideName, s: SideSetup): Promise<RunningSide> {
    const count = name === 'cluster' ? s.nodes : 1;
    const env = sideEnv(name, s);
    return new RunningSide(name, await Promise.all(Array.from({ length: count }, (_, i) => startNode(`${name}-${i + 1}`, env))));
  }

  /**
   * Accounts online on any node, each counted on the node that runs it (a cluster's node shows the others'
   * too, under their node's name). A single node names no node: every account online there is its own.
   */
  async online(): Promise<number> {
    if (this.name !== 'cluster') return (await accountsOn(this.nodes[0]!)).filter((a) => a.state === 'online').length;
    const ids = new Set<string>();
    for (const n of this.nodes) for (const id of await onlineOn(n)) ids.add(id);
    return ids.size;
  }

  /** Each node's accounts by state, for an error message (a node that does not answer says so). */
  async states(): Promise<string> {
    const lines = await Promise.all(
      this.nodes.map(async (n) => {
        const counts = new Map<string, number>();
        try {
          for (const a of await accountsOn(n)) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
        } catch (e) {
          return `${n.name}: ${(e as Error).message.slice(0, 200)}`;
        }
        return `${n.name}: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`;
      }),
    );
    return lines.join('; ');
  }

  /** Accounts the first node knows (the login phase creates them there). */
  async known(): Promise<number> {
    return (await accountsOn(this.nodes[0]!)).length;
  }

  /** Throws with a node's last words when one died. */
  alive(): void {
    for (const n of this.nodes) {
      const { exitCode, signalCode } = n.proc.child;
      if (exitCode !== null || signalCode !== null) throw new Error(`${n.name} died (${String(exitCode ?? signalCode)}): ${n.proc.err().slice(-2000)}`);
    }
  }

  /** CPU of all its nodes so far, ms. */
  cpuMs(): number {
    return this.nodes.reduce((sum, n) => sum + cpuMs(n.proc.child.pid!), 0);
  }

  /** Resident memory of each node, MiB. */
  rssMiB(): number[] {
    return this.nodes.map((n) => memoryMiB(n.proc.child.pid!).rss);
  }

  /**
   * SIGTERM every node (a cluster hands its accounts over as it leaves) and wait for their exits; each
   * node's log is left in `$TMPDIR/weiroto-bench-<tag>-<node>.log` (why an account failed, where a start's time went).
   */
  async stop(tag: string): Promise<void> {
    for (const n of this.nodes) {
      n.stopping = true;
      n.proc.child.kill('SIGTERM');
    }
    await Promise.all(this.nodes.map((n) => n.proc.exited));
    for (const n of this.nodes) writeFileSync(join(tmpdir(), `weiroto-bench-${tag}-${n.name}.log`), n.proc.out() + n.proc.err());
  }
}
