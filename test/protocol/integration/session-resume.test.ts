import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWebTransport } from '../../../src/protocol/index.js';
import { FAST, firstFriend, rig, until } from './helpers.js';

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
