// The receive loop (src/protocol/sync-loop.ts) through the real web client against the sandbox:
// faults on synccheck and webwxsync are backed off and recovered without losing or doubling a
// message; the logout codes end the loop at once, without retries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultKind } from '../../src/sandbox/control-client.js';
import type { LogoutReason } from '../../src/transport/transport.js';
import { firstFriend, rig, until } from './integration/helpers.js';

describe('runSyncLoop(core, signal)', () => {
  it('http-500, timeout, reset, garbage, ret-1205, slow on synccheck and webwxsync: recovered, nothing lost or doubled', async () => {
    const r = await rig({ contacts: 10, rooms: 1, roomSize: 4 });
    try {
      const friend = await firstFriend(r);
      const ids: string[] = [];
      const faults: { kind: FaultKind; endpoint: string }[] = [];
      for (const kind of ['http-500', 'timeout', 'reset', 'garbage', 'ret-1205', 'slow'] as FaultKind[]) {
        for (const endpoint of ['synccheck', 'webwxsync']) faults.push({ kind, endpoint });
      }
      for (const f of faults) {
        await r.sb.control.fault({ kind: f.kind, endpoint: f.endpoint, count: 1, ms: f.kind === 'slow' ? 400 : 2500 });
        const { msgId } = await r.sb.control.sendMessage({ from: friend.nickname, text: `during ${f.kind} on ${f.endpoint}` });
        ids.push(msgId);
        await until(() => r.messages.some((m) => m.id === msgId), 15_000, `message after ${f.kind}/${f.endpoint}`);
      }
      const got = r.messages.filter((m) => ids.includes(m.id)).map((m) => m.id);
      assert.deepEqual([...got].sort(), [...ids].sort(), 'every message exactly once');
    } finally {
      await r.close();
    }
  });

  for (const [kind, reason, code] of [
    ['logout-1100', 'phone-logout', 1100],
    ['logout-1101', 'kicked', 1101],
    ['logout-1102', 'kicked', 1102],
  ] as [FaultKind, LogoutReason, number][]) {
    it(`${kind} → logout ${reason} without retries`, async () => {
      const r = await rig({ contacts: 5, rooms: 1, roomSize: 3 }, {}, { proxy: true });
      try {
        const got = new Promise<{ reason: string; code?: number }>((ok) => r.t.on('logout', ok));
        await r.sb.control.fault({ kind, count: 1, endpoint: 'synccheck' });
        const l = await got;
        assert.equal(l.reason, reason);
        assert.equal(l.code, code);
        await r.t.stop();
        // No retry: the faulted synccheck was the transport's last one, and no webwxsync followed it.
        const checks = r.proxy!.of('synccheck');
        const last = checks.at(-1)!;
        assert.match(last.answer, new RegExp(`retcode:"${code}"`));
        assert.ok(!r.proxy!.of('webwxsync').some((e) => e.startedAt > last.startedAt), 'no webwxsync after the logout answer');
      } finally {
        await r.close();
      }
    });
  }
});
