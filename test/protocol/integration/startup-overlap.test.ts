// Start-up runs its calls side by side (startup.ts): statusnotify and the first webwxsync beside
// the address-book pages, and each group's members asked for as soon as init, a page or SYNC_CONV
// names it, once. Checked on the wire through the recording proxy, plus the failure paths.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWebTransport } from '../../../src/protocol/index.js';
import { startSandbox } from '../../../src/sandbox/index.js';
import { isTransportError } from '../../../src/transport/errors.js';
import { FAST, rig } from './helpers.js';
import { startRecordingProxy } from './proxy.js';
import { waitUntil } from '../../../src/testing/wait.js';

/** The UserNames a batchgetcontact request asked for. */
function asked(body: string): string[] {
  return (JSON.parse(body) as { List: { UserName: string }[] }).List.map((i) => i.UserName);
}

describe('integration: start-up calls overlap', () => {
  it('pages, statusnotify + first sync and member fetches run side by side; every group asked for once', async () => {
    const r = await rig({ contacts: 400, rooms: 80, roomSize: 6, contactPageSize: 60 }, {}, { proxy: true });
    try {
      const p = r.proxy!;
      const pages = p.of('webwxgetcontact');
      assert.ok(pages.length >= 7, `several pages (${pages.length})`);
      // Each page asked for once, in Seq order (the next one before this one is parsed).
      assert.deepEqual(
        pages.map((e) => Number(e.query.get('seq'))),
        pages.map((_, i) => i * 60),
      );
      const lastPageEnd = Math.max(...pages.map((e) => e.endedAt!));
      const [notify] = p.of('webwxstatusnotify');
      const [firstSync] = p.of('webwxsync');
      assert.ok(notify && firstSync);
      assert.ok(firstSync.startedAt >= notify.endedAt!, 'the first sync follows statusnotify (it needs the SYNC_CONV)');
      assert.ok(notify.startedAt < pages[0]!.endedAt!, 'statusnotify goes out beside the first page');
      assert.ok(firstSync.startedAt < lastPageEnd, 'the first sync goes out while pages still load');
      const batches = p.of('webwxbatchgetcontact');
      assert.ok(
        batches.some((b) => b.startedAt < lastPageEnd),
        'members of groups known early are fetched while the pages load',
      );
      const names = batches.flatMap((b) => asked(b.body));
      assert.equal(new Set(names).size, names.length, 'no group asked for twice');
      for (const b of batches) assert.ok(asked(b.body).length <= 50);
      // And the result is whole: every group the account is in has its members.
      const st = await r.sb.control.state(true);
      const rooms = r.t.rooms();
      assert.equal(rooms.length, st.accounts[0]!.rooms.length);
      for (const room of rooms) assert.ok(room.members.length > 0, `members of ${room.topic}`);
    } finally {
      await r.close();
    }
  });

  it('a failing statusnotify or first sync is outlived: ready all the same, messages still arrive', async () => {
    for (const endpoint of ['webwxstatusnotify', 'webwxsync']) {
      const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 30, rooms: 4, roomSize: 5 });
      const t = createWebTransport({ endpoint: sb.origin, ...FAST });
      try {
        await sb.control.fault({ kind: 'http-500', endpoint, count: 1 });
        await t.start();
        assert.equal(t.rooms().length > 0 && t.rooms().every((x) => x.members.length > 0), true, endpoint);
        const got = new Promise((ok) => t.on('message', ok));
        const friend = (await sb.control.state(true)).accounts[0]!.friends.find((f) => f.kind === 'friend')!;
        await sb.control.sendMessage({ from: friend.id, text: `after ${endpoint} failed` });
        await got;
      } finally {
        await t.stop();
        await sb.close();
      }
    }
  });

  it('a logout while the pages load ends the start-up with logged-out, and no ready', async () => {
    const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 200, rooms: 20, roomSize: 5, contactPageSize: 20 });
    const proxy = await startRecordingProxy(sb.origin);
    const t = createWebTransport({ endpoint: proxy.origin, ...FAST });
    let ready = false;
    t.on('ready', () => (ready = true));
    try {
      // Slow pages, and the session killed once the first one is on its way.
      await sb.control.fault({ kind: 'slow', endpoint: 'webwxgetcontact', count: 20, ms: 150 });
      const started = t.start();
      const outcome = started.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      // Not a silent 2 s loop: under load the logout then came before any page, and the test no longer tested the overlap.
      await waitUntil(() => proxy.of('webwxgetcontact').length > 0, 30_000, 'the first contact page on its way');
      await sb.control.fault({ kind: 'logout-1101' });
      const e = await outcome;
      assert.ok(isTransportError(e), `start() rejected with a TransportError (got ${String(e)})`);
      assert.equal(e.kind, 'logged-out');
      assert.equal(ready, false);
      const pagesBefore = proxy.of('webwxgetcontact').length;
      await new Promise((ok) => setTimeout(ok, 300));
      assert.equal(proxy.of('webwxgetcontact').length, pagesBefore, 'no page asked for after the end');
    } finally {
      await t.stop();
      await proxy.close();
      await sb.close();
    }
  });
});
