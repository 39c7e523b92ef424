/**
 * Child processes in tests: a tsx child for kill -9 tests (its output collected, its exit signal awaited), and the
 * wait for something a child prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';
import { packageRoot } from '../../src/util/paths.js';
import { shareTestStoreServer } from './store.js';

/**
 * The bound of a test that waits on a child's start-up with `untilOutput`: only a hang, never a pace. Starting a child
 * is CPU work (tsx, imports, a TLS key pair) that takes a second on a quiet machine and half a minute at load 30.
 */
export const CHILD_TEST_TIMEOUT_MS = 10 * 60_000;

/** Children of this test file still running (`killWhenTestsEnd`). */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Kill `child` if it is still running when the test file's tests are over: a test that fails before it stops its child
 * would leave it running, and its open pipes would keep the file's process, and with it the whole test run, waiting
 * for ever (a start test at load 25 did: its 10-s wait failed, and `weiroto start` ran on for 20 minutes).
 */
export function killWhenTestsEnd(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Resolve with what `read()` finds in a child's output (anything but undefined, null or false), checked again at each
 * chunk the child prints; reject naming `what` when the child exits first. `read` looks at output the caller collects
 * (its own `data` listeners, added at spawn, run before this one). No time-out of its own: how long a child takes to
 * print its line is the machine's load, so the test's `timeout` (CHILD_TEST_TIMEOUT_MS) bounds a hang.
 */
export function untilOutput<T>(child: ChildProcess, read: () => T | undefined | null | false, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const found = (): boolean => {
      const value = read();
      if (value === undefined || value === null || value === false) return false;
      stop();
      resolve(value);
      return true;
    };
    const onData = (): void => void found();
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (found()) return;
      stop();
      reject(new Error(`the child exited (${signal ?? `code ${code}`}) before ${what}`));
    };
    const stop = (): void => {
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
    };
    if (found()) return;
    // 'close' comes after the last output has been read; if it has been, the child is gone.
    if ((child.exitCode !== null || child.signalCode !== null) && (child.stdout?.closed ?? true) && (child.stderr?.closed ?? true)) {
      return onClose(child.exitCode, child.signalCode);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', onClose);
  });
}

export interface Child {
  /** Everything it printed so far. */
  out(): string;
  err(): string;
  /** Resolves with the signal that ended it (null for a normal exit). */
  exited: Promise<NodeJS.Signals | null>;
  readonly exitCode: number | null;
  kill(signal: NodeJS.Signals): void;
  /** Resolve once its stdout includes `text`; fails if it exits first (`untilOutput`, no bound of its own). */
  printed(text: string): Promise<void>;
}

/** Run `script` (a path from the package root) with tsx and `args`; it opens the same test stores as this process. */
export async function spawnChild(script: string, args: string[]): Promise<Child> {
  await shareTestStoreServer();
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), script), ...args], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  killWhenTestsEnd(child);
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
    printed: (text) => untilOutput(child, () => out.includes(text), `"${text}" in its output (stderr: ${err})`).then(() => undefined),
  };
}
