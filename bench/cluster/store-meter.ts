/**
 * What the shared parts cost, read from outside: the CPU of every PostgreSQL server process and the
 * database's transaction and row counters (pg_stat_database), and redis-server's CPU and commands
 * (INFO). Readings are cumulative; the bench subtracts two of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Redis } from 'ioredis';
import { CLK_TCK, cpuMs } from '../compare/proc.js';

export interface StoreReading {
  /** CPU of the postmaster and all its children (backends, writer, checkpointer …), ms. */
  pgCpuMs: number;
  /** Transactions committed and rolled back in the database. */
  pgXacts: number;
  /** Rows inserted, updated and deleted in the database. */
  pgRowsWritten: number;
  /** Rows read (returned by scans and fetched by index). */
  pgRowsRead: number;
  redisCpuMs: number;
  redisCommands: number;
}

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * The CPU of a server and its processes, ended ones included: the postmaster reaps its backends, so
 * theirs is in its cutime/cstime once they end (a pool closes idle connections), and in their own
 * utime/stime while they run.
 */
function serverCpu(postmaster: number): number {
  const stat = readFileSync(`/proc/${postmaster}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let sum = ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  for (const p of childrenOf(postmaster)) {
    try {
      sum += cpuMs(p);
    } catch {
      // a backend that ended between the listing and the reading (its time is in the postmaster's next reading)
    }
  }
  return sum;
}

/**
 * @param databaseUrl the database the nodes use (its server's superuser: the test server's URLs are)
 * @param redis a client of the nodes' redis-server, or undefined for a side without one
 */
export async function storeMeter(databaseUrl: string, redis: Redis | undefined): Promise<{ read(): Promise<StoreReading>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const dataDir = (await client.query<{ data_directory: string }>('show data_directory')).rows[0]!.data_directory;
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    async read() {
      // Backends flush their counters about a second after they go idle; the caller waits that long before reading.
      await client.query('select pg_stat_clear_snapshot()');
      const s = (
        await client.query<Record<string, string>>(
          'select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, tup_fetched from pg_stat_database where datname = current_database()',
        )
      ).rows[0]!;
      const n = (k: string): number => Number(s[k]);
      const info = redis ? await redis.info() : '';
      const field = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
      return {
        pgCpuMs: serverCpu(postmaster),
        pgXacts: n('xact_commit') + n('xact_rollback'),
        pgRowsWritten: n('tup_inserted') + n('tup_updated') + n('tup_deleted'),
        pgRowsRead: n('tup_returned') + n('tup_fetched'),
        redisCpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000,
        redisCommands: field('total_commands_processed'),
      };
    },
    close: () => client.end(),
  };
}

/** `b − a`, field by field. */
export function storeDelta(a: StoreReading, b: StoreReading): StoreReading {
  return Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof StoreReading] - a[k as keyof StoreReading]])) as unknown as StoreReading;
}
