/** A tsx child process for kill -9 tests: its output collected, its exit signal awaited. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

export interface Child {
  /** Everything it printed so far. */
  out(): string;
  err(): string;
  /** Resolves with the signal that ended it (null for a normal exit). */
  exited: Promise<NodeJS.Signals | null>;
  readonly exitCode: number | null;
  kill(signal: NodeJS.Signals): void;
}

/** Run `script` (a path from the package root) with tsx and `args`. */
export function spawnChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), script), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    out: () => out,
    err: () => err,
    exited: new Promise((r) => child.on('exit', (_code, signal) => r(signal))),
    get exitCode() {
      return child.exitCode;
    },
    kill: (signal) => void child.kill(signal),
  };
}
