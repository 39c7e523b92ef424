/**
 * A real redis-server for tests: Debian's `redis-server` on 127.0.0.1, a port from the OS, a
 * temporary folder, no persistence (`--save '' --appendonly no`), stopped when the caller says or
 * when the test process exits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { closedPort } from './closed-port.js';
import { untilOutput } from './child.js';

export interface RedisServer {
  url: string;
  /** A client for the test's own looks (closed by `stop`). */
  client: Redis;
  stop(): Promise<void>;
}

/**
 * @example
 *   const redis = await startRedis();
 *   try { … REDIS_URL: redis.url … } finally { await redis.stop(); }
 */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-redis-'));
  const port = await closedPort();
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  const child = spawn(bin, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (e) => reject(new Error(`${bin} could not start (apt-get install redis-server; npm test installs it when run as root): ${e.message}`))),
  );
  await Promise.race([untilOutput(child, () => out.includes('Ready to accept connections'), `redis-server ready (${out})`), spawnFailed]);
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const client = new Redis(`redis://127.0.0.1:${port}`);
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    client,
    stop: () =>
      (stopped ??= (async () => {
        client.disconnect();
        process.off('exit', kill);
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}
