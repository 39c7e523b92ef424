// The real process: `weiroto start` through bin/weiroto.js (built by the test command), with real
// settings, a real DATA_DIR and a real HTTP port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawRows, withRawDb } from '../helpers/raw-db.js';
import { testStoreKind } from '../helpers/store.js';
import { startWeiroto } from '../helpers/weiroto-process.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';
import { SEMI_SPACE_CEILING_MIB } from '../../src/util/young-generation.js';

describe('weiroto start (process)', () => {
  it('prints one clear line and exits non-zero for a bad PORT', async () => {
    const p = await startWeiroto({ PORT: 'abc', DATA_DIR: mkdtempSync(join(tmpdir(), 'w-')) });
    const [code] = await p.exited;
    assert.notEqual(code, 0);
    assert.equal(p.err().trim(), 'weiroto: Invalid PORT="abc": expected a port number from 0 to 65535 (0 picks a free port).');
  });

  it('prints one clear line and exits non-zero for an unwritable DATA_DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'w-'));
    writeFileSync(join(dir, 'file'), '');
    const p = await startWeiroto({ PORT: '0', DATA_DIR: join(dir, 'file', 'data') });
    const [code] = await p.exited;
    assert.notEqual(code, 0);
    const lines = p.err().trim().split('\n');
    assert.equal(lines.length, 1, p.err());
    assert.match(lines[0]!, /^weiroto: DATA_DIR .*file\/data is not a writable directory/);
  });

  it('starts, answers /healthz, and stops cleanly on SIGTERM leaving the database consistent', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const sandbox = await startSandbox({ holdMs: 300 });
    // Closed whatever fails: a sandbox left listening keeps the test process alive, and the whole run waits for it.
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'w-'));
      const p = await startWeiroto({ PORT: '0', DATA_DIR: dataDir, SEND_PACING: 'off', WECHAT_ENDPOINT: sandbox.origin });
      const url = await untilOutput(p.child, () => /"url":"(http:\/\/[^"]+)"/.exec(p.out())?.[1], 'the listening line');
      const res = await fetch(url + '/healthz');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, 'ok');
      // A first account is created and asks for a scan: its QR is pending in the sandbox.
      // Bounded only against a hang (as untilOutput): at load 25 the start took more than 10 s.
      await waitUntil(async () => (await sandbox.control.state()).qrcodes.length > 0, CHILD_TEST_TIMEOUT_MS / 2, 'the first account to ask for a QR');
      const ready = await fetch(url + '/readyz');
      assert.equal(ready.status, 503, 'not ready while the account waits for a scan');
      p.child.kill('SIGTERM');
      const [code] = await p.exited;
      // 0 = stopped cleanly: the process exits 1 when its own 10 s shutdown budget runs out (src/cli.ts).
      assert.equal(code, 0, p.err());
      if (testStoreKind === 'sqlite') withRawDb(dataDir, (db) => assert.equal(db.pragma('integrity_check', { simple: true }), 'ok'));
      assert.ok((await rawRows<{ n: number }>(dataDir, 'select count(*) as n from schema_migrations'))[0]!.n >= 1);
      assert.equal((await rawRows<{ n: number }>(dataDir, 'select count(*) as n from accounts'))[0]!.n, 1);
    } finally {
      await sandbox.close();
    }
  });

  it('stops cleanly on a SIGTERM right after its listening line, while its first account is still starting', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const sandbox = await startSandbox({ holdMs: 300 });
    try {
      const p = await startWeiroto({ PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'w-')), SEND_PACING: 'off', WECHAT_ENDPOINT: sandbox.origin });
      // The server listens (and says so) before it starts its accounts: a service manager may stop it then.
      await untilOutput(p.child, () => /weiroto listening on/.exec(p.out())?.[0], 'the listening line');
      p.child.kill('SIGTERM');
      const [code, signal] = await p.exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, `not killed by the signal, stopped: ${p.err()}`);
      assert.match(p.out(), /"msg":"stopped"/);
    } finally {
      await sandbox.close();
    }
  });
});

describe('weiroto start (process): young generation', () => {
  it('keeps the new space within the young-generation ceiling while the server loads and starts', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    // Loading the server's modules is what first grows V8's young generation; before the ceiling was set ahead of
    // that loading, start-up left it at 16 MiB for good (an extra 8-12 MiB of RSS at the echo burst's peak).
    const sandbox = await startSandbox({ holdMs: 300 });
    try {
      const p = await startWeiroto({
        PORT: '0',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'w-')),
        SEND_PACING: 'off',
        WECHAT_ENDPOINT: sandbox.origin,
        NODE_OPTIONS: `--require ${join(import.meta.dirname, '../helpers/new-space-probe.cjs')}`,
      });
      // Bounded only against a hang (as untilOutput): at load 25 the start took more than 10 s.
      await waitUntil(async () => (await sandbox.control.state()).qrcodes.length > 0, CHILD_TEST_TIMEOUT_MS / 2, 'the first account to ask for a QR');
      p.child.kill('SIGTERM');
      const [code] = await p.exited;
      assert.equal(code, 0, p.err());
      const { largestNewSpaceMiB } = JSON.parse(/\{"largestNewSpaceMiB".*\}/.exec(p.err())?.[0] ?? 'null') as { largestNewSpaceMiB: number };
      assert.ok(largestNewSpaceMiB <= 2 * SEMI_SPACE_CEILING_MIB, `the new space reached ${largestNewSpaceMiB} MiB`);
    } finally {
      await sandbox.close();
    }
  });
});
