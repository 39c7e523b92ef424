import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultKind } from '../../../src/sandbox/control-client.js';
import { rig, until, type Rig } from './helpers.js';
import type { Exchange } from './proxy.js';

/** The one webwxlogout the transport posted, with its form fields. */
async function farewell(r: Rig): Promise<{ ex: Exchange; form: URLSearchParams }> {
  await until(() => r.proxy!.of('webwxlogout').length > 0 && r.proxy!.of('webwxlogout')[0]!.body !== '', 3000, 'webwxlogout');
  const list = r.proxy!.of('webwxlogout');
  assert.equal(list.length, 1, 'exactly one webwxlogout');
  const ex = list[0]!;
  return { ex, form: new URLSearchParams(ex.body) };
}

describe('integration: webwxlogout type (§5.7)', () => {
  for (const [kind, type] of [
    ['logout-1100', '0'],
    ['logout-1101', '1'],
    ['logout-1102', '1'],
  ] as [FaultKind, string][]) {
    it(`${kind} → the event at once, then webwxlogout type=${type}`, async () => {
      const r = await rig({ contacts: 3, rooms: 1, roomSize: 3 }, {}, { proxy: true });
      try {
        const got = new Promise<{ code?: number }>((ok) => r.t.on('logout', ok));
        await r.sb.control.fault({ kind, count: 1, endpoint: 'synccheck' });
        assert.equal((await got).code, Number(kind.slice(7)));
        const { ex, form } = await farewell(r);
        assert.equal(ex.method, 'POST');
        assert.equal(ex.host, 'wx2.qq.com');
        assert.equal(ex.query.get('type'), type);
        assert.equal(ex.query.get('redirect'), '1');
        assert.match(ex.query.get('skey') ?? '', /^@crypt_/);
        assert.ok(form.get('sid'), 'form field sid');
        assert.match(form.get('uin') ?? '', /^\d+$/);
      } finally {
        await r.close();
      }
    });
  }

  it('a requested logout → type=0, and the sandbox session is gone', async () => {
    const r = await rig({ contacts: 3, rooms: 1, roomSize: 3 }, {}, { proxy: true });
    try {
      const reasons: string[] = [];
      r.t.on('logout', (l) => reasons.push(l.reason));
      await r.t.logout();
      assert.deepEqual(reasons, ['requested']);
      const { ex } = await farewell(r);
      assert.equal(ex.query.get('type'), '0');
      const st = await r.sb.control.state();
      assert.equal(st.accounts[0]!.state, 'offline');
    } finally {
      await r.close();
    }
  });
});
