/**
 * A real PostgreSQL server for tests, and one fresh database per caller.
 *
 * `npm test` starts one server for the whole run and hands its address down in TEST_PG_URL; a test
 * file run on its own starts its own here (once per process) and stops it when the process exits.
 * The server runs from the Debian package's binaries on 127.0.0.1, on a port the OS gave, with a
 * temporary data folder; as an unprivileged user when we are root (PostgreSQL refuses root).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { closedPort } from './closed-port.js';

export interface PostgresServer {
  /** The server's superuser connection string (database `postgres`). */
  url: string;
  stop(): void;
}

/** Where the PostgreSQL binaries are: PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL is needed for these tests: apt-get install postgresql (npm test installs it when run as root), or set PG_BIN.');
  return join(base, newest, 'bin');
}

/** Run a PostgreSQL binary, as `nobody` when we are root. */
function pgTool(tool: string, args: string[]): void {
  const bin = join(postgresBin(), tool);
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(asRoot ? 'runuser' : bin, asRoot ? ['-u', 'nobody', '--', bin, ...args] : args, { cwd: tmpdir(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
}

/**
 * Start a server (initdb, then pg_ctl start, which waits until it accepts connections).
 *
 * @example
 *   const server = await startPostgres();
 *   try { … new pg.Client(server.url) … } finally { server.stop(); }
 */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
  const data = join(dir, 'data');
  pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await closedPort();
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  pgTool('pg_ctl', ['start', '-D', data, '-w', '-t', '120', '-l', join(dir, 'server.log'), '-o', options]);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      pgTool('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

let shared: Promise<string> | undefined;

/** The server for this test process: TEST_PG_URL when the test command started one, else one started now and stopped at exit. */
export function postgresServerUrl(): Promise<string> {
  if (process.env.TEST_PG_URL) return Promise.resolve(process.env.TEST_PG_URL);
  shared ??= startPostgres().then((server) => {
    process.once('exit', () => server.stop());
    // Child processes this test starts (a weiroto under test, a crash fixture) use the same server.
    process.env.TEST_PG_URL = server.url;
    return server.url;
  });
  return shared;
}

/**
 * A database on the test server; returns its connection string. Without a name, a new empty one; with a name, that
 * one, created on first use (so a test and the child processes it starts can reach the same database by name).
 */
export async function createTestDatabase(name = `t_${randomBytes(6).toString('hex')}`): Promise<string> {
  const admin = new URL(await postgresServerUrl());
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '42P04') throw e; // duplicate_database: it is there already
  } finally {
    await client.end();
  }
  admin.pathname = `/${name}`;
  return admin.href;
}
