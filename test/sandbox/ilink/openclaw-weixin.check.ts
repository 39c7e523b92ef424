/**
 * Outside check (not part of `npm test`: it needs the registry once): Tencent's official iLink
 * client, npm `@tencent-weixin/openclaw-weixin` (MIT), unmodified, against `weiroto sandbox` over
 * TLS on the real host names. Its code is fetched with `npm pack` into a temp directory (or taken
 * from OPENCLAW_WEIXIN_DIR) and never copied into this repository.
 *
 *   node --import tsx --test test/sandbox/ilink/openclaw-weixin.check.ts
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IlinkControl } from '../../../src/sandbox/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const VERSION = process.env.OPENCLAW_WEIXIN_VERSION ?? '2.4.9';

function pluginDir(): string {
  if (process.env.OPENCLAW_WEIXIN_DIR) return process.env.OPENCLAW_WEIXIN_DIR;
  const dir = mkdtempSync(join(tmpdir(), 'openclaw-weixin-'));
  const pack = spawnSync('npm', ['pack', `@tencent-weixin/openclaw-weixin@${VERSION}`, '--silent'], { cwd: dir, encoding: 'utf8' });
  assert.equal(pack.status, 0, `npm pack failed: ${pack.stderr}`);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz);
  assert.equal(spawnSync('tar', ['xzf', tgz, '-C', dir], { cwd: dir }).status, 0);
  // Its two runtime dependencies resolve from our node_modules (zod; qrcode-terminal) via NODE_PATH-free symlink.
  spawnSync('ln', ['-s', join(root, 'node_modules'), join(dir, 'package', 'node_modules')]);
  return join(dir, 'package');
}

/** Start `weiroto sandbox --port 0 --tls-port 0` and read its banner. */
async function startSandboxProcess(): Promise<{ child: ChildProcess; origin: string; tlsPort: number; ca: string }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'weiroto.js'), 'sandbox', '--port', '0', '--tls-port', '0', '--ilink-poll-hold-ms', '1000'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  let text = '';
  return await new Promise((resolveStart, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      const origin = /listening on (http:\/\/\S+)/.exec(text)?.[1];
      const tls = /on port (\d+); test CA: (\S+)/.exec(text);
      if (origin && tls) resolveStart({ child, origin, tlsPort: Number(tls[1]), ca: tls[2] as string });
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited ${String(code)}: ${text}`)));
  });
}

describe('the official iLink client (openclaw-weixin) against weiroto sandbox', () => {
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGTERM');
  });

  it('logs in by QR, receives text and an image, replies with text and an uploaded image, shows typing', async () => {
    const dir = pluginDir();
    const sb = await startSandboxProcess();
    child = sb.child;
    const control = new IlinkControl(sb.origin);
    const run = spawnSync(
      process.execPath,
      ['--require', join(here, 'official', 'net-map.cjs'), '--import', join(here, 'official', 'register.mjs'), join(here, 'official', 'runner.mjs')],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          PLUGIN_DIR: dir,
          SANDBOX_ORIGIN: sb.origin,
          SANDBOX_TLS_PORT: String(sb.tlsPort),
          NODE_EXTRA_CA_CERTS: sb.ca,
          OPENCLAW_STATE_DIR: mkdtempSync(join(tmpdir(), 'oc-state-')),
        },
        timeout: 90_000,
      },
    );
    assert.equal(run.status, 0, `runner failed:\n${run.stderr.slice(-3000)}`);
    const seen = JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, unknown> & {
      login: { accountId: string; userId: string; baseUrl: string };
      received: { text: string; messageId: string; contextToken: boolean };
    };
    assert.match(seen.login.accountId, /^[0-9a-f]{12}@im\.bot$/);
    assert.equal(seen.login.baseUrl, 'https://ilinkai.weixin.qq.com');
    assert.equal(seen.received.text, 'hello from the phone');
    assert.equal(seen.received.contextToken, true);
    assert.equal(seen.imageByteExact, true);
    assert.equal(seen.typingTicket, true);
    assert.equal(seen.typingShown, true);
    const { messages } = await control.sent();
    const reply = messages.find((m) => m.clientId === seen.replyClientId);
    assert.equal(reply?.decision, 'delivered');
    assert.deepEqual(reply?.items, [{ type: 'text', text: 'echo: hello from the phone' }]);
    assert.match(reply?.clientId ?? '', /^openclaw-weixin:/);
    const image = messages.find((m) => m.clientId === seen.imageClientId);
    assert.equal(image?.decision, 'delivered');
    assert.equal(image?.items[0]?.type, 'image');
    assert.equal(image?.items[0]?.problem, undefined, 'key form, sizes and upload all match');
    const st = await control.state();
    assert.equal(st.lastHeaders.appId, 'bot');
    assert.equal(st.lastHeaders.clientVersionDecoded, VERSION);
    assert.equal(st.bots.find((b) => b.id === seen.login.accountId)?.notify, 'stopped');
  });
});
