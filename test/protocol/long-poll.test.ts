// HttpSession.longPoll on a real node:http server: the synccheck's own kept-alive connection
// (poll-connection.ts) sends what `request` sends, keeps one socket and one abort listener for
// every poll, replaces a socket the server closed, and fails as `request` fails.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getEventListeners } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { HttpSession } from '../../src/protocol/http.js';
import { REQUEST_START, type RequestStartMessage } from '../../src/protocol/request-start.js';
import { DEFAULT_TIMEOUTS, WebApi } from '../../src/protocol/api.js';
import { hostsFor } from '../../src/protocol/hosts.js';
import { systemClock } from '../../src/util/clock.js';
import { isTransportError } from '../../src/transport/errors.js';
import { waitUntil } from '../../src/testing/wait.js';
import { closeLocal, listenLocal } from './helpers/local-server.js';

describe('HttpSession.longPoll', () => {
  let server: Server;
  let origin = '';
  const connections: Socket[] = [];
  const seen: { raw: string[]; socket: Socket; url: string }[] = [];
  /** Requests held unanswered (the `/hold` path). */
  const held: ServerResponse[] = [];
  /** The next request on a reused socket is met by closing that socket (a kept-alive socket the server dropped). */
  let dropNextReused = false;
  const perSocket = new Map<Socket, number>();

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (dropNextReused && n > 1) {
        dropNextReused = false;
        req.socket.destroy();
        return;
      }
      seen.push({ raw: req.rawHeaders, socket: req.socket, url: req.url ?? '' });
      if (req.url?.startsWith('/hold')) return void held.push(res);
      const headers: Record<string, string | string[]> = { 'Content-Type': 'text/javascript' };
      if (req.url?.startsWith('/set')) headers['Set-Cookie'] = ['wxsid=polled; Domain=.wx2.qq.com; Path=/'];
      res.writeHead(200, headers).end(`window.synccheck={retcode:"0",selector:"${req.url === '/two' ? 2 : 0}"}`);
    });
    server.on('connection', (s: Socket) => connections.push(s));
    origin = await listenLocal(server);
  });
  after(() => closeLocal(server));

  it('sends the headers `request` sends, with the cookies of the moment, and no node:http request at all', async () => {
    const s = new HttpSession({ endpoint: origin });
    const made: string[] = [];
    const onRequest = ({ request }: { request: { path: string } }): void => void made.push(request.path);
    subscribe('http.client.request.start', onRequest as (m: unknown) => void);
    try {
      s.setCookie('wxuin=7; Domain=.wx2.qq.com; Path=/', 'https://wx2.qq.com/');
      seen.length = 0;
      await s.request({ method: 'GET', url: 'https://webpush.wx2.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1&x=%7C', timeoutMs: 2000 });
      await s.longPoll({ url: 'https://webpush.wx2.qq.com/cgi-bin/mmwebwx-bin/synccheck?r=1&x=%7C', timeoutMs: 2000 });
      assert.equal(made.length, 0, 'the long poll went through node:http');
      assert.deepEqual(seen[1]!.raw, seen[0]!.raw);
      assert.equal(seen[1]!.url, '/cgi-bin/mmwebwx-bin/synccheck?r=1&x=%7C');
      assert.ok(seen[1]!.raw.includes('webpush.wx2.qq.com') && seen[1]!.raw.includes('wxuin=7'), String(seen[1]!.raw));
      // A cookie the poll's answer sets goes into the jar.
      const answer = await s.longPoll({ url: 'https://webpush.wx2.qq.com/set', timeoutMs: 2000 });
      assert.equal(answer.status, 200);
      await s.longPoll({ url: 'https://webpush.wx2.qq.com/x', timeoutMs: 2000 });
      assert.ok(seen.at(-1)!.raw.includes('wxuin=7; wxsid=polled'), String(seen.at(-1)!.raw));
      // The api's synccheck is such a long poll.
      const state = { hosts: hostsFor('wx2.qq.com'), uin: '7', sid: 's', skey: '@k', passTicket: 'T', inviteStartCount: 0, loginAt: 0 };
      const api = new WebApi(s, state, { lang: 'en_US', desktop: false, timeouts: DEFAULT_TIMEOUTS, clock: systemClock });
      assert.deepEqual(await api.syncCheck(), { retcode: 0, selector: 0 });
      assert.match(seen.at(-1)!.url, /^\/cgi-bin\/mmwebwx-bin\/synccheck\?r=\d+&skey=%40k&sid=s&uin=7&deviceid=e\d{15}&synckey=&_=\d+$/);
      // Its synckey (encoded once per key) follows each new key.
      for (const v of [5, 6]) {
        api.state.syncKey = {
          Count: 2,
          List: [
            { Key: 1, Val: v },
            { Key: 2, Val: 9 },
          ],
        };
        await api.syncCheck();
        assert.match(seen.at(-1)!.url, new RegExp(`&synckey=1_${v}%7C2_9&`));
      }
      // Another host (a new login's): its own X-Wechat-Host.
      await s.longPoll({ url: 'https://webpush.wx.qq.com/y', timeoutMs: 2000 });
      assert.ok(seen.at(-1)!.raw.includes('webpush.wx.qq.com'), String(seen.at(-1)!.raw));
      assert.equal(made.length, 0, 'the synccheck went through node:http');
    } finally {
      unsubscribe('http.client.request.start', onRequest as (m: unknown) => void);
      s.close();
    }
  });

  it('carries every poll on one socket, with one listener on the caller signal', async () => {
    const s = new HttpSession({ endpoint: origin });
    const cycle = new AbortController();
    try {
      seen.length = 0;
      for (let i = 0; i < 30; i++) {
        const res = await s.longPoll({ url: `https://webpush.wx2.qq.com/${i % 2 ? 'two' : 'zero'}`, timeoutMs: 2000, signal: cycle.signal });
        assert.match(res.body.toString(), i % 2 ? /selector:"2"/ : /selector:"0"/);
      }
      assert.equal(new Set(seen.map((x) => x.socket)).size, 1);
      assert.equal(getEventListeners(cycle.signal, 'abort').length, 1);
    } finally {
      s.close();
    }
    assert.equal(getEventListeners(cycle.signal, 'abort').length, 0, 'close() leaves a listener on the signal');
  });

  it('sends a poll again on a new socket when the server had closed the kept-alive one', async () => {
    const s = new HttpSession({ endpoint: origin });
    /** What the poll published on REQUEST_START: one per poll written, its second sending included. */
    const started: string[] = [];
    const onStart = (m: unknown): void => void started.push((m as RequestStartMessage).path);
    subscribe(REQUEST_START, onStart);
    try {
      await s.longPoll({ url: 'https://webpush.wx2.qq.com/a', timeoutMs: 2000 });
      const before = connections.length;
      dropNextReused = true;
      const res = await s.longPoll({ url: 'https://webpush.wx2.qq.com/b', timeoutMs: 2000 });
      assert.equal(res.status, 200);
      assert.equal(dropNextReused, false);
      assert.equal(connections.length, before + 1);
      assert.equal(seen.at(-1)!.url, '/b');
      assert.deepEqual(started, ['/a', '/b', '/b']);
    } finally {
      unsubscribe(REQUEST_START, onStart);
      s.close();
    }
  });

  it("fails with the caller's abort reason or a network TransportError on its deadline, and polls again afterwards", async () => {
    const s = new HttpSession({ endpoint: origin });
    const cycle = new AbortController();
    try {
      const poll = s.longPoll({ url: 'https://webpush.wx2.qq.com/hold', timeoutMs: 60_000, signal: cycle.signal });
      await waitUntil(() => held.length === 1, 5000, 'the poll held');
      const why = new Error('stopped');
      cycle.abort(why);
      await assert.rejects(poll, (e) => e === why);
      await assert.rejects(s.longPoll({ url: 'https://webpush.wx2.qq.com/x', timeoutMs: 2000, signal: cycle.signal }), (e) => e === why);
      await assert.rejects(s.longPoll({ url: 'https://webpush.wx2.qq.com/hold2', timeoutMs: 100 }), (e: unknown) => {
        assert.ok(isTransportError(e));
        assert.equal(e.kind, 'network');
        assert.match(e.message, /GET \/hold2 timed out after 100 ms/);
        return true;
      });
      const res = await s.longPoll({ url: 'https://webpush.wx2.qq.com/x', timeoutMs: 2000, signal: new AbortController().signal });
      assert.equal(res.status, 200);
    } finally {
      s.close();
      for (const r of held.splice(0)) r.destroy();
    }
  });
});
