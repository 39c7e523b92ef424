/** `weiroto start` as a user runs it: bin/weiroto.js in its own process, its output collected, its exit awaited. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { killWhenTestsEnd } from './child.js';
import { withStoreEnv } from './store.js';

const BIN = resolve(import.meta.dirname, '../../bin/weiroto.js');

/**
 * Start `weiroto start` with `env` over a minimal environment (PATH, info logs, production), on the store the test
 * switch selects for its DATA_DIR (test/helpers/store.ts).
 */
export async function startWeiroto(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', NODE_ENV: 'production', ...(await withStoreEnv(env)) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killWhenTestsEnd(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, out: () => stdout, err: () => stderr };
}

export type WeirotoProcess = Awaited<ReturnType<typeof startWeiroto>>;
