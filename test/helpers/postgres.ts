/**
 * A real PostgreSQL server for tests, and one fresh database per caller.
 *
 * `npm test` starts one server for the whole run and hands its address down in TEST_PG_URL; a test
 * file run on its own starts its own here (once per process). The server runs from the Debian
 * package's binaries on 127.0.0.1, on a port the OS gave, with a temporary data folder; as an
 * unprivileged user when we are root (PostgreSQL refuses root).
 *
 * No server outlives the tests that use it. `pg_ctl` detaches the server into a session of its own, so
 * neither a signal to the test's process group nor the test process's death reaches it: a small
 * supervisor process (./postgres-serve.ts) owns it and stops it when its standard input closes, which
 * the kernel does when the process that started it ends in any way (exit, SIGINT, SIGTERM, kill -9).
 * A supervisor killed itself leaves its server behind; the next start sweeps such servers away (the
 * data folder is named after the supervisor's pid).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { packageRoot } from '../../src/util/paths.js';
import { closedPort } from './closed-port.js';

export interface PostgresServer {
  /** The server's superuser connection string (database `postgres`). */
  url: string;
  /** Its folder in tmpdir (the data folder, the socket, the log). */
  dir: string;
  stop(): void;
}

/** The folders of test servers: `weiroto-pg-<pid of the process that owns the server>-<random>`. */
const FOLDER_PREFIX = 'weiroto-pg-';

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

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the server of a data folder while it runs (postmaster.pid's first line), else undefined. */
export function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 && processAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stop the server of `dir` if it runs (at once: test data is thrown away), then remove the folder. */
function stopAndRemove(dir: string): void {
  const data = join(dir, 'data');
  try {
    if (postmasterPid(data) !== undefined) pgTool('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
  } finally {
    // Gone already (a signal to its own process group stopped it too) is as good as stopped.
    if (postmasterPid(data) === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Stop the servers whose owner has died (a supervisor killed with -9) and remove their folders. A folder whose owner
 * lives is another run's, and is left alone; so is one of the older layout, which names no owner (without a server it
 * may be one another run is setting up right now).
 */
export function sweepStaleServers(): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(tmpdir())) {
    const owner = /^weiroto-pg-(\d+)-/.exec(name)?.[1];
    if (owner === undefined || processAlive(Number(owner))) continue;
    const dir = join(tmpdir(), name);
    try {
      stopAndRemove(dir);
      swept.push(dir);
    } catch {
      // Another user's folder, or one being swept by another run at the same moment: not ours to decide.
    }
  }
  return swept;
}

const INITDB_ARGS = ['-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'];

/**
 * A data folder initdb made once for these binaries and arguments, in tmpdir, which each server's is copied from: initdb
 * took about 5 s at load 6 (1.7 s of CPU), the copy about 1 s. Made aside and renamed into place, so that a folder found
 * there is whole; of two processes making it at once, the second's rename fails and its own copy goes.
 */
function templateData(): string {
  const key = createHash('sha256')
    .update([postgresBin(), ...INITDB_ARGS, String(process.getuid?.())].join('\0'))
    .digest('hex')
    .slice(0, 12);
  const template = join(tmpdir(), `weiroto-pgtemplate-${key}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const making = mkdtempSync(`${template}-making-`);
  if (process.getuid?.() === 0) chownSync(making, 65534, 65534);
  try {
    pgTool('initdb', ['-D', join(making, 'data'), ...INITDB_ARGS]);
    renameSync(join(making, 'data'), template);
  } catch (e) {
    if (!existsSync(join(template, 'PG_VERSION'))) throw e;
  } finally {
    rmSync(making, { recursive: true, force: true });
  }
  return template;
}

/**
 * Start a server (a copy of the template data folder, then pg_ctl start, which waits until it accepts connections), owned by this process: call
 * it from the supervisor (./postgres-serve.ts), which stops it when its parent goes.
 *
 * @example
 *   const server = await startPostgres();
 *   try { … new pg.Client(server.url) … } finally { server.stop(); }
 */
export async function startPostgres(): Promise<PostgresServer> {
  sweepStaleServers();
  const dir = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  if (process.getuid?.() === 0) chownSync(dir, 65534, 65534);
  const data = join(dir, 'data');
  // cp -a keeps the owner (`nobody` when we are root) and the folder's 0700, which the server checks.
  const copied = spawnSync('cp', ['-a', templateData(), data], { encoding: 'utf8' });
  if (copied.status !== 0) throw new Error(`copying the template data folder failed (${copied.status ?? copied.signal}): ${copied.stderr}`);
  const port = await closedPort();
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  pgTool('pg_ctl', ['start', '-D', data, '-w', '-t', '120', '-l', join(dir, 'server.log'), '-o', options]);
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    stopAndRemove(dir);
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, stop };
}

/** A server in a supervisor process of its own, stopped when `parent`'s end of the pipe closes. */
export interface SupervisedServer {
  url: string;
  /** The supervisor (the owner named in the server's folder). */
  pid: number;
}

/**
 * Start a server under a supervisor child of this process (./postgres-serve.ts), which stops it when this process
 * ends, however it ends. The child does not keep this process alive.
 */
export function startSupervisedPostgres(): Promise<SupervisedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'test', 'helpers', 'postgres-serve.ts')], {
    cwd: packageRoot(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.unref();
  (child.stdin as Socket).unref();
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      child.stdout.destroy();
      resolve({ url: out.trim(), pid: child.pid! });
    });
    child.once('exit', (code, signal) => reject(new Error(`the test PostgreSQL server did not start (${signal ?? `exit ${code}`})`)));
  });
}

let shared: Promise<string> | undefined;

/** The server for this test process: TEST_PG_URL when the test command started one, else one started now (supervised). */
export function postgresServerUrl(): Promise<string> {
  if (process.env.TEST_PG_URL) return Promise.resolve(process.env.TEST_PG_URL);
  shared ??= startSupervisedPostgres().then((server) => {
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
