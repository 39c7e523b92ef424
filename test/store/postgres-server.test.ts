/**
 * A test PostgreSQL server never outlives the test process that started it (test/helpers/postgres.ts): however that
 * process ends — normally, SIGINT, SIGTERM, kill -9 — its supervisor stops the server within seconds; a supervisor
 * killed itself leaves a server that the next start sweeps away. Each case a real server, a real process, real signals.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../src/util/paths.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';
import { processAlive, sweepStaleServers, type SupervisedServer } from '../helpers/postgres.js';

/** Stopping is a pg_ctl call after the pipe closes: about a second on a quiet machine. The bound only ends a hang. */
const STOP_BOUND_MS = 30_000;

/** A test process with a server of its own (none handed down), and that server. */
async function ownerWithServer(mode: 'exit' | 'wait') {
  const env = { ...process.env };
  delete env.TEST_PG_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'test/store/fixtures/postgres-owner.ts'), mode], {
    cwd: packageRoot(),
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const server = await untilOutput(
    child,
    () => (out.includes('}\n') ? (JSON.parse(out.slice(0, out.indexOf('\n'))) as SupervisedServer) : undefined),
    'its server',
  );
  const folders = readdirSync(tmpdir()).filter((n) => n.startsWith(`weiroto-pg-${server.pid}-`));
  assert.equal(folders.length, 1, 'the server folder names its supervisor');
  return { child, exited, server, folder: join(tmpdir(), folders[0]!) };
}

/** Whether a server answers at `url`. */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query('select 1 as ok')).rows.length === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('test PostgreSQL servers never outlive their test process', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  for (const end of ['exit', 'SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`a test process that ends by ${end === 'exit' ? 'exiting' : end}: its server stops and its folder goes`, async (t) => {
      const { child, exited, server, folder } = await ownerWithServer(end === 'exit' ? 'exit' : 'wait');
      assert.ok(await answers(server.url), 'the server answers while its test process runs');
      if (end === 'exit') child.stdin.end('exit\n');
      else child.kill(end);
      await exited;
      const ended = Date.now();
      await waitUntil(async () => !processAlive(server.pid) && !existsSync(folder) && !(await answers(server.url)), STOP_BOUND_MS, 'the server to stop');
      t.diagnostic(`stopped ${Date.now() - ended} ms after its test process ended (${end})`);
    });
  }

  it('a supervisor killed with -9 leaves its server running; the next start sweeps it away and leaves live ones alone', async () => {
    const stale = await ownerWithServer('wait');
    const live = await ownerWithServer('wait');
    try {
      process.kill(stale.server.pid, 'SIGKILL');
      await waitUntil(() => !processAlive(stale.server.pid), STOP_BOUND_MS, 'the supervisor to die');
      assert.ok(await answers(stale.server.url), 'nothing stopped the server of the killed supervisor');
      const swept = sweepStaleServers();
      assert.ok(swept.includes(stale.folder), `swept ${swept.join(', ')}`);
      assert.equal(existsSync(stale.folder), false);
      assert.equal(await answers(stale.server.url), false, 'the stale server is stopped');
      assert.ok(await answers(live.server.url), 'a server whose supervisor lives is left alone');
      assert.ok(existsSync(live.folder));
    } finally {
      stale.child.kill('SIGKILL');
      live.child.kill('SIGKILL');
    }
    await live.exited;
    await waitUntil(() => !existsSync(live.folder), STOP_BOUND_MS, 'the live server to stop with its test process');
  });
});
