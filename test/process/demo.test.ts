// `weiroto demo` as a newcomer runs it, with default settings: one process with the server and the
// sandbox. The phone scans and confirms, a friend and a group member write, and the bot answers
// both (the demo switches echo on beside the default auto-reply, which starts without rules).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { IlinkControl, SandboxControl } from '../../src/sandbox/index.js';
import { waitFor } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';
import { withStoreEnv } from '../helpers/store.js';

const BIN = resolve(import.meta.dirname, '../../bin/weiroto.js');

/** `waitFor` with the name first, as this file's calls read. */
const until = <T>(what: string, read: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> => waitFor(read, ms, what);

describe('weiroto demo (process)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  it('prints both URLs, logs in through the phone page API and answers private and group texts with default settings', async () => {
    const child = spawn(process.execPath, [BIN, 'demo'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        SANDBOX_PORT: '0',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        ...(await withStoreEnv({ DATA_DIR: mkdtempSync(join(tmpdir(), 'w-demo-')) })),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    try {
      const panel = await untilOutput(child, () => /weiroto panel:\s+(http:\/\/\S+)/.exec(out)?.[1], 'the panel URL');
      const phone = await untilOutput(child, () => /sandbox phone page:\s+(http:\/\/\S+)\/sandbox/.exec(out)?.[1], 'the phone URL');
      // Both accounts side by side: the banner says where each is reached on the phone page.
      assert.match(out, /iLink phone page:\s+http:\/\/\S+\/sandbox\/ilink/);
      assert.match(out, /web demo\s+\(web protocol\)/);
      assert.match(out, /iLink demo\s+\(official bot\)/);
      assert.equal((await fetch(panel + '/healthz')).status, 200);
      assert.equal((await fetch(phone + '/sandbox')).status, 200);
      assert.equal((await fetch(phone + '/sandbox/ilink')).status, 200);

      const control = new SandboxControl(phone);
      await until('a QR', async () => (await control.state()).qrcodes.find((q) => q.status === 'waiting'));
      await control.scan({});
      await control.confirm({});
      const ilink = new IlinkControl(phone);
      await until('an iLink QR', async () => (await ilink.state()).qrcodes.length > 0 || undefined);
      await ilink.confirm({});
      await until('ready', async () => (await fetch(panel + '/readyz')).status === 200);
      await ilink.sendMessage({ text: 'hello ilink demo' });
      await until('the iLink echo', async () => (await ilink.sent(0)).messages.find((m) => m.items.some((i) => i.text === 'hello ilink demo')));

      const world = (await control.state()).accounts[0]!;
      const friend = world.friends[0]!;
      const room = world.rooms[0]!;
      const member = room.members.find((m) => m.id !== world.id)!;
      await control.sendMessage({ from: friend.nickname, text: 'hello demo' });
      await control.sendMessage({ from: member.nickname, room: room.topic, text: 'hello room' });
      const sent = await until('two echoes', async () => {
        const s = (await control.sent({})).messages;
        return s.length >= 2 ? s : undefined;
      });
      assert.deepEqual(sent.map((m) => m.text).sort(), ['hello demo', 'hello room']);
      assert.ok(
        sent.some((m) => m.to === room.id || m.toName === room.topic),
        'the group text was answered into the room',
      );
    } finally {
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, err);
    }
  });
});
