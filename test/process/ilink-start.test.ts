// `BOT_PLUGINS=echo SEND_PACING=off WECHAT_TRANSPORT=ilink ILINK_BASE_URL=<origin> weiroto start`
// through bin/weiroto.js against the iLink sandbox, as outside checks drive it: the first account
// is an iLink account, the owner scans and confirms, every text is echoed exactly once, and a
// restart resumes with the sealed token and cursor, without a scan and without answering twice.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawRows } from '../helpers/raw-db.js';
import { testStoreKind } from '../helpers/store.js';
import { startWeiroto, type WeirotoProcess } from '../helpers/weiroto-process.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';

const children: ChildProcess[] = [];

/** `weiroto start`, remembered so that a failed test can stop it. */
async function startProcess(env: Record<string, string>): Promise<WeirotoProcess> {
  const p = await startWeiroto(env);
  children.push(p.child);
  return p;
}

async function stop(p: WeirotoProcess): Promise<void> {
  p.child.kill('SIGTERM');
  const [code] = await p.exited;
  assert.equal(code, 0, p.err());
}

describe('weiroto start with WECHAT_TRANSPORT=ilink (process)', () => {
  let sb: RunningSandbox;
  const dataDir = mkdtempSync(join(tmpdir(), 'w-ilink-start-'));
  after(async () => {
    // A failed assertion must not leave a child running (the file would then hang until the runner's time-out).
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await sb?.close();
  });

  it('echoes every text exactly once, and resumes after a restart without a scan', { timeout: CHILD_TEST_TIMEOUT_MS }, async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 500, longPollTimeoutMs: 500 } });
    const il = sb.ilink.control;
    const env = {
      PORT: '0',
      DATA_DIR: dataDir,
      BOT_PLUGINS: 'echo',
      SEND_PACING: 'off',
      WECHAT_TRANSPORT: 'ilink',
      ILINK_BASE_URL: sb.origin,
    };
    let p = await startProcess(env);
    await untilOutput(p.child, () => /"url":"http:/.test(p.out()), 'the server to listen');
    await waitUntil(async () => (await il.state()).qrcodes.length > 0, 20_000, 'an iLink QR');
    await il.confirm({});
    await waitUntil(async () => (await il.state()).bots.some((b) => b.alive && b.notify === 'started'), 20_000, 'notifystart');

    // Like a person typing: small bursts, each answered before the next. iLink allows about ten sends per user
    // message (ilink.md §8.2), so a burst of twelve before any answer would rightly leave two replies held.
    const texts = Array.from({ length: 12 }, (_, i) => `hello ${i} 你好`);
    const echoed = async (): Promise<string[]> =>
      (await il.sent(0)).messages.filter((m) => m.decision === 'delivered').flatMap((m) => m.items.map((it) => it.text ?? ''));
    for (let i = 0; i < texts.length; i += 3) {
      const burst = texts.slice(i, i + 3);
      for (const text of burst) await il.sendMessage({ text });
      await waitUntil(async () => (await echoed()).length >= i + burst.length, 20_000, `the echoes of ${JSON.stringify(burst)}`);
    }
    assert.deepEqual((await echoed()).sort(), [...texts].sort());

    // The token is stored sealed, never in clear.
    const { bots } = await il.state();
    const token = bots.find((b) => b.alive)!.token;
    const [row] = await rawRows<{ transport: string; sealed: string }>(
      dataDir,
      'select a.transport, s.sealed from accounts a join sessions s on s.account_id = a.id',
    );
    assert.equal(row?.transport, 'ilink');
    assert.ok(!row.sealed.includes(token), 'the token is sealed');
    if (testStoreKind === 'sqlite')
      assert.ok(!readFileSync(join(dataDir, 'weiroto.db')).includes(Buffer.from(token)), 'the token is nowhere in the database file');

    await stop(p);
    const qrsBefore = (await il.state()).qrcodes.length;
    p = await startProcess(env);
    await untilOutput(p.child, () => /"url":"http:/.test(p.out()), 'the server to listen again');
    await waitUntil(async () => (await il.state()).bots.some((b) => b.alive && b.notify === 'started'), 20_000, 'notifystart after the restart');
    await il.sendMessage({ text: 'after restart' });
    await waitUntil(async () => (await echoed()).includes('after restart'), 20_000, 'the echo after the restart');
    assert.equal((await il.state()).qrcodes.length, qrsBefore, 'no new QR: the restart needed no scan');
    const all = await echoed();
    assert.equal(all.length, texts.length + 1, `each message answered once: ${JSON.stringify(all)}`);
    await stop(p);
  });
});
