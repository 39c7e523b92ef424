// HttpSession.request on a real node:http server: the small requests on the session's own kept-alive
// connections (connection-pool.ts) send what node:http sent for them, reuse a few sockets, queue beyond
// them, send once more what a stale socket lost, and keep directRequest's deadline, abort and decoding.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import http from 'node:http';
import { getEventListeners } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import zlib from 'node:zlib';
import { BROWSER_UA, HttpSession } from '../../src/protocol/http.js';
import { REQUEST_START, type RequestStartMessage } from '../../src/protocol/request-start.js';
import { directRequest } from '../../src/transport/direct-request.js';
import { isTransportError } from '../../src/transport/errors.js';
import { waitUntil } from '../../src/testing/wait.js';
import { closeLocal, listenLocal } from './helpers/local-server.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

describe('HttpSession.request (connection-pool.ts)', () => {
  let server: Server;
  let origin = '';
  const routes = new Map<string, Handler>();
  /** Every request as it arrived: its raw headers, its body, its socket. */
  const seen: { url: string; raw: string[]; body: string; socket: Socket }[] = [];
  const connections: Socket[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const path = (req.url ?? '').split('?')[0]!;
        seen.push({ url: req.url ?? '', raw: req.rawHeaders, body: body.toString('utf8'), socket: req.socket });
        (routes.get(path) ?? ((_q, s) => s.writeHead(200, { 'Content-Type': 'text/plain' }).end('{"ok":1}')))(req, res, body);
      });
    });
    server.on('connection', (s: Socket) => connections.push(s));
    origin = await listenLocal(server);
  });
  after(() => closeLocal(server));

  const post = (s: HttpSession, path: string, body: string, timeoutMs = 5000, signal?: AbortSignal) =>
    s.request({ method: 'POST', url: `https://wx2.qq.com${path}`, body, timeoutMs, ...(signal && { signal }), repeated: true });
  const get = (s: HttpSession, path: string, timeoutMs = 5000, signal?: AbortSignal) =>
    s.request({ method: 'GET', url: `https://wx2.qq.com${path}`, timeoutMs, ...(signal && { signal }) });

  it('writes the head node:http wrote for the same request (GET, POST, caller headers), and makes no node:http request', async () => {
    const s = new HttpSession({ endpoint: origin });
    const made: string[] = [];
    const onRequest = ({ request }: { request: { path: string } }): void => void made.push(request.path);
    subscribe('http.client.request.start', onRequest as (m: unknown) => void);
    const agent = new http.Agent({ keepAlive: true });
    try {
      s.setCookie('wxuin=7; Domain=.wx2.qq.com; Path=/', 'https://wx2.qq.com/');
      const text = '{"Msg":{"Content":"中文 😀 é"}}';
      seen.length = 0;
      await post(s, '/cgi-bin/mmwebwx-bin/webwxsendmsg?pass_ticket=a%2Bb', text);
      await get(s, '/cgi-bin/mmwebwx-bin/webwxgetcontact?seq=0');
      await s.request({
        method: 'POST',
        url: 'https://wx2.qq.com/logout',
        body: 'sid=1',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        timeoutMs: 5000,
      });
      assert.equal(made.length, 0, 'a request went through node:http');
      // What the agents' path (directRequest on node:http) sent for each.
      const base = { 'User-Agent': BROWSER_UA, Accept: '*/*', Cookie: 'wxuin=7', 'X-Wechat-Host': 'wx2.qq.com' };
      const target = (p: string) => new URL(p, origin);
      await directRequest({
        method: 'POST',
        url: target('/cgi-bin/mmwebwx-bin/webwxsendmsg?pass_ticket=a%2Bb'),
        headers: { ...base, 'Content-Type': 'application/json;charset=UTF-8' },
        body: text,
        agent,
      });
      await directRequest({ method: 'GET', url: target('/cgi-bin/mmwebwx-bin/webwxgetcontact?seq=0'), headers: base, agent });
      const form = {
        'User-Agent': base['User-Agent'],
        Accept: '*/*',
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: 'wxuin=7',
        'X-Wechat-Host': 'wx2.qq.com',
      };
      await directRequest({ method: 'POST', url: target('/logout'), headers: form, body: 'sid=1', agent });
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(seen[i]!.raw, seen[i + 3]!.raw, seen[i]!.url);
        assert.equal(seen[i]!.url, seen[i + 3]!.url);
        assert.equal(seen[i]!.body, seen[i + 3]!.body);
      }
      assert.equal(seen[0]!.body, text);
      assert.equal(seen[0]!.raw[seen[0]!.raw.indexOf('Content-Length') + 1], String(Buffer.byteLength(text)));
      assert.ok(seen[0]!.raw.includes('X-Wechat-Host') && seen[0]!.raw.includes('wxuin=7'), String(seen[0]!.raw));
    } finally {
      unsubscribe('http.client.request.start', onRequest as (m: unknown) => void);
      agent.destroy();
      s.close();
    }
  });

  it('refuses a header that would break the head', async () => {
    const s = new HttpSession({ endpoint: origin });
    try {
      const bad = s.request({ method: 'GET', url: 'https://wx2.qq.com/x', headers: { Referer: 'a\r\nX-Evil: 1' }, timeoutMs: 5000 });
      await assert.rejects(bad, TypeError);
      assert.throws(() => new HttpSession({ endpoint: origin, userAgent: 'ua\r\nX-Evil: 1' }), TypeError);
    } finally {
      s.close();
    }
  });

  it('carries sequential requests on one socket, runs parallel ones on at most 8 and queues the rest', async () => {
    const s = new HttpSession({ endpoint: origin });
    const held: ServerResponse[] = [];
    routes.set('/held', (_q, res) => void held.push(res));
    try {
      seen.length = 0;
      for (let i = 0; i < 20; i++) assert.equal((await post(s, '/seq', `{"i":${i}}`)).body.toString(), '{"ok":1}');
      assert.equal(new Set(seen.map((x) => x.socket)).size, 1);
      seen.length = 0;
      const answers = Array.from({ length: 20 }, (_, i) => post(s, '/held', `{"i":${i}}`));
      await waitUntil(() => held.length === 8, 5000, '8 requests at the server');
      // Give a ninth request every chance to arrive: none may while 8 are held.
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(held.length, 8);
      // Each answer lets one queued request go: never more than 8 at the server.
      for (let released = 0; released < 20; released = held.length) {
        await waitUntil(() => held.length === Math.min(20, released + 8), 5000, 'the queued requests');
        assert.equal(held.length - released, Math.min(8, 20 - released));
        for (const res of held.slice(released)) res.end('done');
      }
      assert.deepEqual(
        (await Promise.all(answers)).map((r) => r.body.toString()),
        Array(20).fill('done'),
      );
      assert.ok(new Set(seen.map((x) => x.socket)).size <= 8, 'more than 8 sockets');
      assert.deepEqual(seen.map((x) => x.body).sort(), Array.from({ length: 20 }, (_, i) => `{"i":${i}}`).sort());
    } finally {
      routes.delete('/held');
      for (const res of held) if (!res.writableEnded) res.end();
      s.close();
    }
  });

  it('opens a new connection for each request when the server closes every one (WeChat), and reads a body that ends with it', async () => {
    const s = new HttpSession({ endpoint: origin });
    routes.set('/close', (_q, res) => res.writeHead(200, { Connection: 'close' }).end('{"closing":1}'));
    routes.set('/until-end', (req, res) => {
      // No length, no chunks: the body runs to the end of the connection.
      req.socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{"to":"the end"}');
      void res;
    });
    try {
      const before = connections.length;
      for (let i = 0; i < 3; i++) assert.equal((await post(s, '/close', '{}')).body.toString(), '{"closing":1}');
      assert.equal(connections.length, before + 3);
      assert.equal((await get(s, '/until-end')).body.toString(), '{"to":"the end"}');
      assert.equal((await get(s, '/after')).body.toString(), '{"ok":1}');
    } finally {
      routes.delete('/close');
      routes.delete('/until-end');
      s.close();
    }
  });

  it('sends a request again on a new socket when the server had closed the kept-alive one, and only once', async () => {
    const s = new HttpSession({ endpoint: origin });
    /** What the pool published on REQUEST_START: one per request written, its second sending included. */
    const started: string[] = [];
    const onStart = (m: unknown): void => void started.push(`${(m as RequestStartMessage).method} ${(m as RequestStartMessage).path}`);
    subscribe(REQUEST_START, onStart);
    const served = new WeakMap<Socket, number>();
    let dropReused = 0;
    routes.set('/stale', (req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1 && dropReused > 0) {
        dropReused--;
        return void req.socket.destroy();
      }
      res.end(`fresh ${n}`);
    });
    try {
      assert.equal((await post(s, '/stale', '{"a":1}')).body.toString(), 'fresh 1');
      seen.length = 0;
      dropReused = 1;
      assert.equal((await post(s, '/stale', '{"b":2}')).body.toString(), 'fresh 1');
      assert.deepEqual(
        seen.map((x) => x.body),
        ['{"b":2}', '{"b":2}'],
      );
      assert.deepEqual(started, Array(3).fill('POST /stale'), 'the first request, the second and its second sending');
      // The second sending met a socket closed as well: that is a failure, not a third sending.
      routes.set('/reset', (req) => void req.socket.destroy());
      seen.length = 0;
      await assert.rejects(post(s, '/reset', '{"c":3}'), (e: unknown) => isTransportError(e) && e.kind === 'network');
      assert.equal(seen.length, 2, 'the request on the reused socket and its one second sending');
      // And a socket reset on a new connection may have reached the server: not sent again.
      s.close();
      seen.length = 0;
      await assert.rejects(post(s, '/reset', '{"d":4}'), (e: unknown) => isTransportError(e) && e.kind === 'network');
      assert.equal(seen.length, 1);
    } finally {
      unsubscribe(REQUEST_START, onStart);
      routes.delete('/stale');
      routes.delete('/reset');
      s.close();
    }
  });

  it('gives up at its deadline, queued or sent, and the socket it held is closed', async () => {
    const s = new HttpSession({ endpoint: origin });
    const held: ServerResponse[] = [];
    routes.set('/silent', (_q, res) => void held.push(res));
    routes.set('/half', (_q, res) => void res.writeHead(200, { 'Content-Length': '10' }).write('12345'));
    try {
      for (const path of ['/silent', '/half']) {
        const before = connections.length;
        await assert.rejects(get(s, path, 150), (e: unknown) => {
          assert.ok(isTransportError(e), String(e));
          assert.match(e.message, new RegExp(`GET ${path} timed out after 150 ms`));
          return true;
        });
        await waitUntil(() => connections.length > before && connections.slice(before).every((c) => c.destroyed), 5000, `the socket of ${path} closed`);
      }
      // Eight held, a ninth queued behind them: its deadline runs in the queue too.
      held.length = 0;
      const hold = Array.from({ length: 8 }, () => get(s, '/silent', 30_000).catch((e: unknown) => e));
      await waitUntil(() => held.length === 8, 5000, '8 held');
      await assert.rejects(get(s, '/x', 100), /timed out after 100 ms/);
      for (const res of held) res.end('late');
      assert.deepEqual(
        (await Promise.all(hold)).map((r) => (r as { body: Buffer }).body.toString()),
        Array(8).fill('late'),
      );
      // An answer in time clears its deadline: no timer is left behind.
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const was = timers();
      await get(s, '/x', 30_000);
      assert.equal(timers(), was, 'the deadline of an answered request is cleared');
    } finally {
      routes.delete('/silent');
      routes.delete('/half');
      for (const res of held) if (!res.writableEnded) res.end();
      s.close();
    }
  });

  it('keeps each deadline under the one timer: a later, longer one is not cut with an earlier, shorter one', { timeout: 20_000 }, async () => {
    const s = new HttpSession({ endpoint: origin });
    const held: ServerResponse[] = [];
    routes.set('/silent', (_q, res) => void held.push(res));
    try {
      const t0 = performance.now();
      const failedAt = (p: Promise<unknown>): Promise<number> =>
        p.then(
          () => assert.fail('answered'),
          (e: unknown) => {
            assert.match(String(e), /timed out after \d+ ms/);
            return performance.now() - t0;
          },
        );
      // The timer is set for the first; the second, due later, must survive its run and be cut at its own time.
      const short = failedAt(get(s, '/silent', 100));
      const long = failedAt(get(s, '/silent', 400));
      // Due later still, and answered in time: never cut.
      const answered = get(s, '/silent', 30_000);
      await waitUntil(() => held.length === 3, 5000, '3 held');
      assert.ok((await short) >= 99, 'the short one was cut early');
      const longAt = await long;
      assert.ok(longAt >= 399, `the long one was cut at ${longAt.toFixed(0)} ms, before its deadline`);
      held[2]!.end('late');
      assert.equal((await answered).body.toString(), 'late');
    } finally {
      routes.delete('/silent');
      for (const res of held) if (!res.writableEnded) res.end();
      s.close();
    }
  });

  it("fails with the caller's abort reason and leaves no listener on a long-lived signal", async () => {
    const s = new HttpSession({ endpoint: origin });
    const held: ServerResponse[] = [];
    routes.set('/hold', (_q, res) => void held.push(res));
    const loop = new AbortController();
    try {
      for (let i = 0; i < 5; i++) await post(s, '/x', '{}', 5000, loop.signal);
      await assert.rejects(get(s, '/hold', 100, loop.signal), /timed out/);
      assert.equal(getEventListeners(loop.signal, 'abort').length, 0, 'a listener was left on the signal');
      const p = get(s, '/hold', 30_000, loop.signal);
      await waitUntil(() => held.length === 2, 5000, 'the request held');
      const why = new Error('stopped');
      loop.abort(why);
      await assert.rejects(p, (e) => e === why);
      await assert.rejects(get(s, '/x', 5000, loop.signal), (e) => e === why);
      assert.equal((await get(s, '/x')).status, 200);
    } finally {
      routes.delete('/hold');
      for (const res of held) if (!res.writableEnded) res.end();
      s.close();
    }
  });

  it('decodes compressed bodies, reads big and chunked ones whole, and keeps every Set-Cookie', async () => {
    const s = new HttpSession({ endpoint: origin });
    const text = JSON.stringify({ list: Array.from({ length: 60_000 }, (_, i) => ({ UserName: `@${i}`, NickName: `名字 ${i}` })) });
    const gzipped = zlib.gzipSync(text);
    // Brotli at its default quality takes seconds for this much.
    const brotli = zlib.brotliCompressSync(text, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
    routes.set('/gzip', (_q, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipped));
    routes.set('/br', (_q, res) => res.writeHead(200, { 'Content-Encoding': 'br' }).end(brotli));
    routes.set('/big', (_q, res) => res.writeHead(200, { 'Content-Length': String(Buffer.byteLength(text)) }).end(text));
    routes.set('/chunked', (_q, res) => {
      res.writeHead(200);
      for (let i = 0; i < text.length; i += 70_001) res.write(text.slice(i, i + 70_001));
      res.end();
    });
    routes.set('/broken', (_q, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end('not gzip'));
    routes.set('/cookies', (_q, res) =>
      res.writeHead(200, { 'Set-Cookie': ['wxsid=s1; Domain=.wx2.qq.com; Path=/', 'webwx_data_ticket=t; Domain=.qq.com; Path=/'] }).end('{}'),
    );
    try {
      assert.ok(Buffer.byteLength(text) > 2_000_000);
      for (const path of ['/gzip', '/br', '/big', '/chunked']) assert.equal((await get(s, path, 30_000)).body.toString('utf8'), text, path);
      await assert.rejects(get(s, '/broken'), /unreadable gzip body/);
      await get(s, '/cookies');
      seen.length = 0;
      await get(s, '/x');
      assert.ok(seen[0]!.raw.includes('wxsid=s1; webwx_data_ticket=t'), String(seen[0]!.raw));
      assert.equal(s.cookie('https://webpush.wx2.qq.com/', 'wxsid'), 's1');
    } finally {
      for (const p of ['/gzip', '/br', '/big', '/chunked', '/broken', '/cookies']) routes.delete(p);
      s.close();
    }
  });

  it('fails what is under way when the session closes', async () => {
    const s = new HttpSession({ endpoint: origin });
    const held: ServerResponse[] = [];
    routes.set('/hold', (_q, res) => void held.push(res));
    try {
      const p = Array.from({ length: 10 }, () => get(s, '/hold', 30_000));
      await waitUntil(() => held.length === 8, 5000, '8 held');
      s.close();
      for (const r of await Promise.allSettled(p)) assert.equal(r.status, 'rejected');
    } finally {
      routes.delete('/hold');
      for (const res of held) if (!res.writableEnded) res.end();
    }
  });
});
