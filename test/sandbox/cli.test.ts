import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseSandboxArgs } from '../../src/sandbox/cli.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';

describe('sandbox cli: runSandboxCommand(argv)', () => {
  it('parses flags and rejects bad values clearly', () => {
    const o = parseSandboxArgs(['--port', '0', '--contacts', '300', '--family', 'web', '--hold-ms', '1000', '--auto-scan-ms', '5']);
    assert.deepEqual(o, { port: 0, contacts: 300, family: 'web', holdMs: 1000, autoScanMs: 5 });
    assert.throws(() => parseSandboxArgs(['--contacts', 'many']), /--contacts needs a whole number/);
    assert.throws(() => parseSandboxArgs(['--family', 'wx9']), /--family must be one of/);
    assert.throws(() => parseSandboxArgs(['--bogus']), /Unknown option/);
  });

  it('prints the origin, phone page and CA path, serves, and stops cleanly on SIGTERM', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-cli-'));
    const root = resolve(import.meta.dirname, '../..');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./src/sandbox/cli.ts').then((m) => m.runSandboxCommand(['--port', '0', '--tls-port', '0', '--tls-dir', ${JSON.stringify(dir)}, '--hold-ms', '60000']))`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // The banner comes after tsx, the sandbox's imports and two 2048-bit RSA key pairs for the test CA: over a
      // second of CPU, so at load 30 it can take longer than any fixed bound. Wait for the line itself.
      const origin = await untilOutput(child, () => /test CA: \S+\n/.test(out) && /listening on (http:\/\/\S+)\n/.exec(out)?.[1], 'the banner');
      const lines = out.split('\n');
      assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(lines.some((l) => l.includes(`${origin}/sandbox`)));
      // The iLink phone page: the banner says where it is, and it is there.
      assert.ok(
        lines.some((l) => l.includes(`iLink phone page: ${origin}/sandbox/ilink`)),
        lines.join('\n'),
      );
      assert.match(await (await fetch(`${origin}/sandbox/ilink`)).text(), /iLink sandbox phone/);
      const caPath = /test CA: (\S+)/.exec(lines.join('\n'))?.[1] as string;
      assert.match(await readFile(caPath, 'utf8'), /BEGIN CERTIFICATE/);
      const state = (await (await fetch(`${origin}/sandbox/api/state`)).json()) as { accounts: unknown[] };
      assert.equal(state.accounts.length, 1);
      // A held synccheck-like poll must not keep the process from stopping.
      const jl = await (await fetch(`${origin}/jslogin`)).text();
      const uuid = /uuid = "([^"]+)"/.exec(jl)?.[1] as string;
      const held = fetch(`${origin}/cgi-bin/mmwebwx-bin/login?uuid=${encodeURIComponent(uuid)}&tip=0`).then((r) => r.text());
      // SIGTERM only once the child holds the poll (its second wire request after jslogin), or the poll would find
      // the port closed instead.
      const wireRequests = async () => ((await (await fetch(`${origin}/sandbox/api/state`)).json()) as { counters: { requests: number } }).counters.requests;
      await waitUntil(async () => (await wireRequests()) >= 2, 20_000, 'the child to hold the login poll');
      // 'close', not 'exit': the last line may still be in the pipe when the process has exited.
      const closed = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
      child.kill('SIGTERM');
      assert.equal(await closed, 0);
      assert.equal(await held, 'window.code=408;');
      assert.ok(out.split('\n').includes('sandbox stopped'), out);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
