// `weiroto start` with WeChat unreachable (issue 16 item 5): the real process through bin/weiroto.js,
// WECHAT_ENDPOINT at a closed port on 127.0.0.1. It prints the start banner, writes one log line per
// failed login attempt (no stack), spaces the attempts by the back-off it logs, and the panel explains
// the failure with a Retry button. The growth of the pauses to a minute and more is proven under a
// FakeClock in test/accounts/login-backoff.test.ts; here the first pauses are real.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { closedPort } from '../helpers/closed-port.js';
import { waitUntil } from '../../src/testing/wait.js';
import { Client } from '../admin/helpers/panel-stack.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';
import { storeEnv } from '../helpers/store.js';

const BIN = resolve(import.meta.dirname, '../../bin/weiroto.js');
const PASSWORD = 'unreachable admin 1';

interface LogLine {
  level: number;
  msg: string;
  account?: string;
  attempt?: number;
  retryInMs?: number;
  problem?: string;
  err?: unknown;
}

describe('weiroto start with WeChat unreachable (process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'w-unreachable-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the banner, one line per attempt with its back-off, and the panel explains the failure', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        PORT: '0',
        DATA_DIR: dataDir,
        WECHAT_ENDPOINT: endpoint,
        ADMIN_PASSWORD: PASSWORD,
        ...(await storeEnv(dataDir)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const logLines = (): LogLine[] =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    const failures = (): LogLine[] => logLines().filter((l) => /^login failed/.test(l.msg));
    try {
      // The banner: where the panel is and what to do.
      await untilOutput(child, () => /weiroto panel: +http:\/\/127\.0\.0\.1:\d+/.test(stdout) && /What to do:/.test(stdout), 'the banner');
      const url = /weiroto panel: +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
      assert.match(stdout, new RegExp(`WeChat via: +${endpoint.replace(/\./g, '\\.')}`));
      assert.match(stdout, /scan it with WeChat on your phone/);

      // Two attempts: the second one comes after the pause the first one announced (5 s ±20 %).
      await waitUntil(() => failures().length >= 2, 20_000, 'two failed attempts');
      const [first, second] = failures();
      assert.equal(first!.attempt, 1);
      assert.equal(second!.attempt, 2);
      assert.equal(first!.problem, 'refused');
      assert.ok(first!.retryInMs! >= 4000 && first!.retryInMs! <= 6000, `first pause ${first!.retryInMs}`);
      assert.ok(second!.retryInMs! >= 8000 && second!.retryInMs! <= 12_000, `second pause ${second!.retryInMs}`);
      assert.match(first!.msg, /^login failed \(refused 127\.0\.0\.1:\d+\); next attempt in \d+ s$/);

      // At most one line per attempt: nothing else at warn or above, and no stack anywhere.
      const loud = logLines().filter((l) => l.level >= 40 && !/^first run/.test(l.msg));
      assert.deepEqual(
        loud.map((l) => l.msg),
        failures().map((l) => l.msg),
      );
      assert.ok(!/\n\s+at /.test(stdout) && !stdout.includes('\\n    at '), 'no stack trace in the output');
      assert.ok(!/\n\s+at /.test(stderr), stderr);
      const perAttempt = logLines().filter((l) => l.level >= 30 && l.account === first!.account);
      assert.ok(perAttempt.length <= 2 * failures().length + 2, `lines for the account: ${perAttempt.map((l) => l.msg).join(' | ')}`);

      // The panel: the QR page explains the failure in plain words, with Retry.
      const c = new Client(url);
      await c.get('/login');
      await waitUntil(async () => (await c.post('/login', { username: 'admin', password: PASSWORD })).status === 302, 10_000, 'the admin to sign in');
      const page = await c.get(`/accounts/${encodeURIComponent(first!.account!)}/login`);
      assert.equal(page.status, 200);
      assert.match(page.text, /id="login-problem"[^>]*data-kind="refused"/);
      assert.match(page.text, /The connection was refused/);
      assert.match(page.text, /tries again by itself at/);
      assert.match(page.text, /id="problem-retry"/);
      assert.doesNotMatch(page.text, /id="qr-hint" >/, 'no "the code refreshes by itself" while there is no code');
      // Retry tries at once: a third attempt without waiting out the 10 s pause.
      const before = failures().length;
      const retried = await c.post(`/accounts/${encodeURIComponent(first!.account!)}/retry`);
      assert.equal(retried.status, 302);
      await waitUntil(() => failures().length > before, 5000, 'the attempt Retry started');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
