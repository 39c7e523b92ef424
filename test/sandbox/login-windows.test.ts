// The sandbox counts concurrent logins from the server's side (GET /sandbox/api/logins): each
// session's start-up runs from its webwxinit to the last request before its first synccheck, and
// the peak is how many of those overlapped. Driven over HTTP with the raw client, on a fake clock.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { peakOverlap } from '../../src/sandbox/login-windows.js';
import { FakeClock } from '../../src/util/clock.js';
import { RawClient } from './raw-client.js';

describe('sandbox login windows (webwxinit → first synccheck)', () => {
  let sb: RunningSandbox;
  const clock = new FakeClock(1_000_000);
  before(async () => {
    sb = await startSandbox({ clock, holdMs: 20, accounts: 3, contacts: 10, rooms: 1, roomSize: 4 });
  });
  after(async () => {
    await sb.close();
  });

  it('lists each start-up with its first and last request, and the most that overlapped', async () => {
    const a = new RawClient(sb.origin);
    const b = new RawClient(sb.origin);
    const before = (await sb.control.logins()).next;
    await a.login(sb.control, sb.state.accounts[0]!.id); // webwxinit of a at t0
    await clock.advance(100);
    await b.login(sb.control, sb.state.accounts[1]!.id); // b starts while a is still loading
    await clock.advance(100);
    await a.sync(); // a's last start-up request, at t0 + 200
    await clock.advance(100);
    await a.synccheck(); // ends a's window (not a start-up request itself)
    await clock.advance(100);
    await b.synccheck(); // b made no request after its init

    let r = await sb.control.logins(before);
    assert.deepEqual(
      r.windows.map((w) => ({ account: w.account, startedAt: w.startedAt, lastRequestAt: w.lastRequestAt, closed: w.closed })),
      [
        { account: sb.state.accounts[0]!.id, startedAt: 1_000_000, lastRequestAt: 1_000_200, closed: true },
        { account: sb.state.accounts[1]!.id, startedAt: 1_000_100, lastRequestAt: 1_000_100, closed: true },
      ],
    );
    assert.equal(r.peak, 2, 'b started while a was loading');

    // A restart of a: a second webwxinit of the same session is a new window, after both others ended.
    await clock.advance(100);
    await a.init();
    r = await sb.control.logins(r.next);
    assert.equal(r.windows.length, 1);
    assert.equal(r.windows[0]!.closed, false, 'open until the first synccheck');
    assert.equal(r.peak, 1);
    await a.synccheck();
    assert.equal((await sb.control.logins(r.next - 1)).windows[0]!.closed, true);
  });

  it('counts back-to-back logins (the next starts the millisecond the last ended) as one at a time', () => {
    assert.equal(
      peakOverlap([
        { startedAt: 0, lastRequestAt: 10 },
        { startedAt: 10, lastRequestAt: 20 },
        { startedAt: 20, lastRequestAt: 20 },
      ]),
      1,
    );
    assert.equal(
      peakOverlap([
        { startedAt: 0, lastRequestAt: 10 },
        { startedAt: 5, lastRequestAt: 11 },
        { startedAt: 9, lastRequestAt: 30 },
        { startedAt: 12, lastRequestAt: 13 },
      ]),
      3,
    );
    assert.equal(peakOverlap([]), 0);
  });
});
