import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

// Conformance with a client we did not write: the npm package wechat4u, unmodified, runs in a child
// process whose (and only whose) DNS and port 443 are pointed at the sandbox's TLS listener.

type Event = { event: string; [k: string]: unknown };

describe('sandbox conformance: wechat4u over TLS with the real host names', () => {
  let sb: RunningSandbox;
  let child: ChildProcess;
  let dir: string;
  const events: Event[] = [];
  const stderr: string[] = [];
  const waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];

  function waitFor(pred: (e: Event) => boolean, timeoutMs = 15_000): Promise<Event> {
    const hit = events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((res, rej) => {
      const t = setTimeout(
        () => rej(new Error(`timed out; events so far: ${JSON.stringify(events.slice(-8))}; stderr: ${stderr.slice(-10).join('\n')}`)),
        timeoutMs,
      );
      waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          res(e);
        },
      });
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-w4u-'));
    sb = await startSandbox({ holdMs: 1000, tlsPort: 0, tlsDir: dir, contacts: 30, rooms: 3, roomSize: 6 });
    const root = resolve(import.meta.dirname, '../..');
    child = spawn(process.execPath, ['--require', join(root, 'test/helpers/wechat4u-hosts.cjs'), join(root, 'test/helpers/wechat4u-runner.cjs')], {
      cwd: root,
      env: { ...process.env, SANDBOX_TLS_PORT: String(sb.tlsPort), NODE_EXTRA_CA_CERTS: sb.caCertPath as string, DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        return;
      }
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.pred(e)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await sb?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in by QR, loads its contacts, receives a private and a group message and its replies arrive in the sandbox', async () => {
    const { uuid } = (await waitFor((e) => e.event === 'uuid')) as Event & { uuid: string };
    await sb.control.scan({ uuid });
    await sb.control.confirm({ uuid });
    const login = await waitFor((e) => e.event === 'login');
    assert.match(String(login.user), /^@[0-9a-f]{64}$/);
    const state = await sb.control.state();
    const acct = state.accounts[0]!;
    assert.equal(acct.state, 'online');
    // getcontact: 30 friends + 5 officials + filehelper + saved groups.
    await waitFor((e) => e.event === 'contacts' && Number(e.count) >= 36);

    const friend = acct.friends.find((f) => f.kind === 'friend')!;
    await sb.control.sendMessage({ from: friend.nickname, text: 'hello from the phone' });
    const got = await waitFor((e) => e.event === 'message' && e.content === 'hello from the phone');
    assert.equal(got.self, false);
    const reply = await sb.control.waitForSent((m) => m.text === 'echo: hello from the phone', { timeoutMs: 15_000 });
    assert.equal(reply.to, friend.id);

    const room = acct.rooms[0]!;
    const member = room.members.find((m) => m.id !== acct.id)!;
    await sb.control.sendMessage({ room: room.id, from: member.id, text: 'hello group' });
    const gm = await waitFor((e) => e.event === 'message' && String(e.original).endsWith(':<br/>hello group'));
    assert.match(String(gm.from), /^@@[0-9a-f]{64}$/);
    const greply = await sb.control.waitForSent((m) => m.text === 'echo: hello group', { timeoutMs: 15_000 });
    assert.equal(greply.to, room.id);
    // wechat4u sees its own replies echoed back through webwxsync.
    await waitFor((e) => e.event === 'message' && e.self === true && e.content === 'echo: hello group');
  });
});
