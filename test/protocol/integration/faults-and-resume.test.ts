import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWebTransport } from '../../../src/protocol/index.js';
import type { FaultKind } from '../../../src/sandbox/control-client.js';
import type { LogoutReason } from '../../../src/transport/transport.js';
import { FAST, firstFriend, rig, until } from './helpers.js';

describe('integration: sandbox faults', () => {
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

describe('integration: session persistence', () => {
  it('restart without a scan, and push login after the session was killed', async () => {
    const r = await rig({ contacts: 10, rooms: 2, roomSize: 4 });
    try {
      const friend = await firstFriend(r);
      const snap = r.t.serialize();
      assert.ok(snap);
      await r.t.stop();
      // A message that arrives while we are down is delivered after the resume.
      const { msgId } = await r.sb.control.sendMessage({ from: friend.nickname, text: 'while you were away' });
      const t2 = createWebTransport({ endpoint: r.sb.origin, ...FAST });
      let qrs = 0;
      t2.on('qr', () => qrs++);
      const got: string[] = [];
      t2.on('message', (m) => got.push(m.id));
      await t2.start({ session: snap, maxQrCodes: 0 });
      assert.equal(qrs, 0, 'no QR on resume');
      await until(() => got.includes(msgId), 8000, 'message after resume');
      const snap2 = t2.serialize()!;
      // Another device logs in: the session dies (1101), then push login brings it back.
      const out = new Promise<{ reason: string }>((ok) => t2.on('logout', ok));
      await r.sb.control.otherDeviceLogin();
      assert.equal((await out).reason, 'kicked');
      await t2.stop();
      const t3 = createWebTransport({ endpoint: r.sb.origin, ...FAST });
      const steps: string[] = [];
      // The sandbox auto-confirms (autoConfirmMs) the pushed uuid, as a phone tap would.
      t3.on('step', (s) => steps.push(s.step));
      t3.on('qr', () => qrs++);
      await t3.start({ session: snap2, pushLogin: true, maxQrCodes: 0 });
      assert.ok(steps.includes('push-login'));
      assert.equal(qrs, 0, 'push login needs no QR');
      assert.ok(t3.self);
      await t3.stop();
    } finally {
      await r.close();
    }
  });

  it('an unusable snapshot with QR disallowed ends in a clear logout', async () => {
    const r = await rig({ contacts: 3, rooms: 1, roomSize: 3 });
    try {
      const snap = r.t.serialize()!;
      await r.sb.control.phoneLogout();
      await until(() => r.t.self !== undefined);
      await r.t.stop();
      const t2 = createWebTransport({ endpoint: r.sb.origin, ...FAST });
      const logouts: { reason: string }[] = [];
      t2.on('logout', (l) => logouts.push(l));
      await assert.rejects(t2.start({ session: snap, maxQrCodes: 0 }));
      assert.equal(logouts[0]?.reason, 'expired');
    } finally {
      await r.close();
    }
  });
});
