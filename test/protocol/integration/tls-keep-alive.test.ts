// The whole web transport against the sandbox's TLS listener under the real host names, the sandbox keeping
// connections alive (its keepAlive switch): every small request goes over the session's own kept-alive TLS
// connections (connection-pool.ts), each opened with the host's name for SNI and the certificate check, and
// many requests share few connections. Run in a child process: the host names resolve to 127.0.0.1 there only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import { until } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/tls-echo-child.ts', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../../helpers/wechat4u-hosts.cjs', import.meta.url));

interface Stats {
  event: 'stats';
  echoed: number;
  connections: number;
  servernames: string[];
  nodeHttpRequests: number;
}

describe('integration: the web transport over TLS to the real host names, connections kept alive', () => {
  let sb: RunningSandbox;
  let dir: string;
  let child: ChildProcess | undefined;
  const lines: Record<string, unknown>[] = [];
  let err = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weiroto-tls-ka-'));
    sb = await startSandbox({
      tlsPort: 0,
      tlsDir: dir,
      keepAlive: true,
      holdMs: 300,
      autoScanMs: 10,
      autoConfirmMs: 10,
      contacts: 30,
      rooms: 4,
      roomSize: 8,
      rateLimits: false,
    });
  });
  after(async () => {
    child?.stdin?.end();
    if (child && child.exitCode === null) await Promise.race([new Promise((r) => child!.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, echoes 30 messages, and opens a handful of connections for all its requests', async () => {
    child = spawn(process.execPath, ['--require', PRELOAD, '--import', 'tsx', CHILD], {
      env: { ...process.env, SANDBOX_TLS_PORT: String(sb.tlsPort), NODE_EXTRA_CA_CERTS: sb.caCertPath!, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await until(() => lines.some((l) => l.event === 'ready') || child!.exitCode !== null, 60_000, 'the child ready');
    assert.ok(
      lines.some((l) => l.event === 'ready'),
      `the child ended: ${err}`,
    );

    const requests = sb.state.counters.requests;
    const st = await sb.control.state(true);
    const friends = st.accounts[0]!.friends.filter((f) => f.kind === 'friend');
    for (let i = 0; i < 30; i++) await sb.control.sendMessage({ from: friends[i % friends.length]!.nickname, text: `ping ${i}` });
    await until(
      async () => {
        const sent = await sb.control.sent();
        return sent.messages.filter((m) => m.text.startsWith('echo ping ')).length === 30;
      },
      30_000,
      '30 echoes',
    );
    child.stdin!.write('stats\n');
    await until(() => lines.some((l) => l.event === 'stats'), 10_000, 'the stats');
    const stats = lines.find((l) => l.event === 'stats') as unknown as Stats;
    const made = sb.state.counters.requests;
    assert.equal(stats.echoed, 30);
    assert.equal(stats.nodeHttpRequests, 0, 'a request went through node:http');
    // Every connection named its real host (SNI, and the host the certificate was checked for).
    assert.ok(
      stats.servernames.length > 0 && stats.servernames.every((n) => /^(login\.|webpush\.|)wx\d?\.qq\.com$|^login\.weixin\.qq\.com$/.test(n)),
      String(stats.servernames),
    );
    // Login, contacts, 30 syncs or fewer, 30 sends and the long polls on a few kept-alive connections: per origin at most
    // the pool's 8 and the long poll's one.
    assert.ok(made - requests >= 30, `${made - requests} requests`);
    assert.ok(stats.connections <= 3 * 9, `${stats.connections} TLS connections for ${made} requests`);
    assert.ok(stats.connections * 3 < made, `${stats.connections} TLS connections for ${made} requests`);
  });
});
