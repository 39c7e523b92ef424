// The session's HTTP engine on real sockets: the resuming TLS agent (sessions resumed, trust
// unchanged), the direct request path (decompression, aborts, broken bodies) and the cookie
// header cache of HttpSession (follows every Set-Cookie and expiry).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { getEventListeners } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import tlsModule, { createSecureContext, type TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import { ensureTlsMaterial, type TlsMaterial } from '../../src/sandbox/tls.js';
import { ResumingAgent, secureContextFor } from '../../src/transport/resuming-agent.js';
import { directRequest, RequestTimeoutError } from '../../src/transport/direct-request.js';
import { HttpSession } from '../../src/protocol/http.js';
import { waitUntil } from '../../src/testing/wait.js';
import { isTransportError } from '../../src/transport/errors.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/** GET over the agent; answers with whether the TLS session was resumed. */
function get(agent: ResumingAgent, port: number, servername: string): Promise<{ body: string; resumed: boolean }> {
  return new Promise((resolve, reject) => {
    const q = httpsRequest({ host: '127.0.0.1', port, servername, path: '/', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(chunks).toString(), resumed: (res.socket as TLSSocket).isSessionReused() }));
    });
    q.on('error', reject);
    q.end();
  });
}

describe('ResumingAgent', () => {
  let tls: TlsMaterial;
  before(async () => {
    tls = await ensureTlsMaterial();
  });

  it('resumes sessions on a server that closes every connection, and still checks the host name', async () => {
    const server = createHttps({ key: tls.key, cert: tls.cert }, (_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('ok');
    });
    const port = await listen(server);
    const agent = new ResumingAgent({ keepAlive: true, ca: readFileSync(tls.caCertPath) });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await get(agent, port, 'wx.qq.com'));
      assert.deepEqual(
        answers.map((a) => a.body),
        ['ok', 'ok', 'ok', 'ok'],
      );
      assert.equal(answers[0]!.resumed, false);
      assert.deepEqual(
        answers.slice(1).map((a) => a.resumed),
        [true, true, true],
      );
      // A name the certificate does not cover is refused, resumable session or not.
      await assert.rejects(get(agent, port, 'example.com'), /altnames|does not match|Hostname/i);
    } finally {
      agent.destroy();
      await close(server);
    }
  });

  it('falls back to a full handshake when the server no longer knows the session', async () => {
    const agent = new ResumingAgent({ keepAlive: true, ca: readFileSync(tls.caCertPath) });
    for (let round = 0; round < 2; round++) {
      // A new server each round: new ticket keys, so the session kept from the last round is unknown.
      const server = createHttps({ key: tls.key, cert: tls.cert }, (_req, res) => {
        res.setHeader('Connection', 'close');
        res.end(`round ${round}`);
      });
      const port = await listen(server);
      try {
        const first = await get(agent, port, 'wx.qq.com');
        assert.equal(first.body, `round ${round}`);
        assert.equal(first.resumed, false);
        assert.equal((await get(agent, port, 'wx.qq.com')).resumed, true);
      } finally {
        await close(server);
      }
    }
    agent.destroy();
  });

  it('shares one secure context among agents that shape none, and never offers a session of one agent from another', async () => {
    // Every web account has its own agent; OpenSSL 3 builds a context in about 3 ms (a restart of 1,000 accounts).
    const plain = new ResumingAgent({ keepAlive: true, maxSockets: 8 });
    const other = new ResumingAgent({ keepAlive: true });
    const contextOf = (a: ResumingAgent): unknown => (a as unknown as { options: { secureContext: unknown } }).options.secureContext;
    assert.equal(contextOf(plain), contextOf(other));
    assert.equal(secureContextFor({}), contextOf(plain));
    const ca = readFileSync(tls.caCertPath);
    assert.notEqual(secureContextFor({ ca }), contextOf(plain), 'an agent with its own trust shares nothing');
    // A socket opened through the agent by its owner (the web session's pool and long poll pass only where to) uses
    // the agent's context too: tls.connect would otherwise build one per connection.
    const made = tlsModule.createSecureContext;
    let built = 0;
    (tlsModule as { createSecureContext: unknown }).createSecureContext = (...args: Parameters<typeof made>) => (built++, made(...args));
    try {
      const s = plain.createConnection({ host: '127.0.0.1', port: 9, servername: 'wx.qq.com' }) as TLSSocket;
      s.on('error', () => {});
      s.destroy();
    } finally {
      tlsModule.createSecureContext = made;
    }
    assert.equal(built, 0, 'a context was built for one connection');
    plain.destroy();
    other.destroy();

    const server = createHttps({ key: tls.key, cert: tls.cert }, (_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('ok');
    });
    const port = await listen(server);
    const shared = createSecureContext({ ca });
    const a = new ResumingAgent({ keepAlive: true, secureContext: shared });
    const b = new ResumingAgent({ keepAlive: true, secureContext: shared });
    try {
      assert.equal((await get(a, port, 'wx.qq.com')).resumed, false);
      assert.equal((await get(a, port, 'wx.qq.com')).resumed, true);
      assert.equal((await get(b, port, 'wx.qq.com')).resumed, false, "the other agent's ticket was offered");
      assert.equal((await get(b, port, 'wx.qq.com')).resumed, true);
    } finally {
      a.destroy();
      b.destroy();
      await close(server);
    }
  });
});

describe('directRequest', () => {
  const routes = new Map<string, Handler>();
  let server: Server;
  let base: string;
  const agent = new http.Agent({ keepAlive: true });
  before(async () => {
    server = createHttp((req, res) => (routes.get(req.url ?? '') ?? ((_q, s) => s.writeHead(404).end()))(req, res));
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  after(async () => {
    agent.destroy();
    await close(server);
  });

  const send = (path: string, signal = new AbortController().signal, body?: string) =>
    directRequest({ method: body === undefined ? 'GET' : 'POST', url: new URL(base + path), headers: {}, ...(body !== undefined && { body }), agent, signal });

  it('inflates gzip, zlib deflate, raw deflate and brotli bodies, and leaves plain ones alone', async () => {
    const text = '{"BaseResponse":{"Ret":0,"ErrMsg":""},"中文":"😀"}';
    const encodings: [string, string, Buffer][] = [
      ['/gzip', 'gzip', zlib.gzipSync(text)],
      ['/deflate', 'deflate', zlib.deflateSync(text)],
      ['/raw-deflate', 'deflate', zlib.deflateRawSync(text)],
      ['/br', 'br', zlib.brotliCompressSync(text)],
      ['/plain', '', Buffer.from(text)],
    ];
    for (const [path, enc, body] of encodings) {
      routes.set(path, (_req, res) => res.writeHead(200, enc ? { 'Content-Encoding': enc } : {}).end(body));
      const r = await send(path);
      assert.equal(r.status, 200);
      assert.equal(r.body.toString('utf8'), text, path);
    }
  });

  it('sends the body with its length and gives every Set-Cookie back', async () => {
    routes.set('/echo', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        res.writeHead(201, { 'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/'] }).end(`${req.headers['content-length']}:${Buffer.concat(chunks).toString()}`),
      );
    });
    const r = await send('/echo', undefined, '{"x":"é"}');
    assert.equal(r.status, 201);
    assert.equal(r.body.toString(), '10:{"x":"é"}');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
  });

  it('sends Host, the caller headers, compression and keep-alive once each', async () => {
    let seen: string[] = [];
    routes.set('/headers', (req, res) => {
      seen = req.rawHeaders;
      res.end('ok');
    });
    await directRequest({ method: 'GET', url: new URL(base + '/headers'), headers: { Cookie: 'a=1', 'X-Wechat-Host': 'wx2.qq.com' }, agent });
    assert.deepEqual(seen, [
      'Host',
      new URL(base).host,
      'Cookie',
      'a=1',
      'X-Wechat-Host',
      'wx2.qq.com',
      'Accept-Encoding',
      'gzip, deflate, br',
      'Connection',
      'keep-alive',
    ]);
    await directRequest({ method: 'POST', url: new URL(base + '/headers'), headers: { 'accept-encoding': 'identity' }, body: 'x', agent });
    assert.deepEqual(seen, ['Host', new URL(base).host, 'accept-encoding', 'identity', 'Content-Length', '1', 'Connection', 'keep-alive']);
  });

  it('goes to the host, port and path the URL names: the query as the URL serialised it, an IPv6 host without brackets', async () => {
    // The URL's parts travel as a plain options object (requestOptions): each part must survive it.
    let seen: { url?: string; host?: string } = {};
    routes.set('/where?a=%C3%A9%20b&t=x%2By', (req, res) => {
      seen = { url: req.url, host: req.headers.host };
      res.end('here');
    });
    const r = await directRequest({ method: 'GET', url: new URL(base + '/where?a=é b&t=x%2By'), headers: {}, agent });
    assert.equal(r.body.toString(), 'here');
    assert.deepEqual(seen, { url: '/where?a=%C3%A9%20b&t=x%2By', host: new URL(base).host });

    const v6 = createHttp((req, res) => res.end(`${req.headers.host} ${req.url}`));
    await new Promise<void>((ok) => v6.listen(0, '::1', ok));
    try {
      const port = (v6.address() as AddressInfo).port;
      const answer = await directRequest({ method: 'POST', url: new URL(`http://[::1]:${port}/v6?x=1`), headers: {}, body: '{}', agent });
      assert.equal(answer.body.toString(), `[::1]:${port} /v6?x=1`);
    } finally {
      await close(v6);
    }
  });

  it('rejects a body that does not inflate with a message naming the encoding', async () => {
    routes.set('/broken', (_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end('not gzip at all'));
    await assert.rejects(send('/broken'), /unreadable gzip body/);
  });

  it('sends again on a new socket when a reused keep-alive socket was closed under it, and only then', async () => {
    // The server drops a kept-alive socket as the next request arrives on it (what a server closing
    // an idle socket looks like from a busy client): nothing was answered, so the request goes again.
    const served = new WeakMap<object, number>();
    let requests = 0;
    routes.set('/idle-close', (req, res) => {
      requests++;
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) return void req.socket.destroy();
      res.end('fresh socket');
    });
    assert.equal((await send('/idle-close')).body.toString(), 'fresh socket');
    assert.equal((await send('/idle-close', undefined, '{"post":1}')).body.toString(), 'fresh socket');
    assert.equal(requests, 3, 'the first, the one on the closed socket, and its second sending');

    // A socket reset on a NEW connection may have reached the server: not sent again.
    requests = 0;
    routes.set('/reset', (req) => {
      requests++;
      req.socket.destroy();
    });
    agent.destroy(); // no kept-alive socket left: the next request opens one
    await assert.rejects(send('/reset'), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
    assert.equal(requests, 1);
  });

  it('rejects with the abort reason when aborted mid-way, and does not hang', async () => {
    routes.set('/hang', () => {});
    const ctrl = new AbortController();
    const p = send('/hang', ctrl.signal);
    setTimeout(() => ctrl.abort(new Error('deadline')), 50);
    await assert.rejects(p, /deadline/);
    const already = new AbortController();
    already.abort(new Error('before start'));
    await assert.rejects(send('/plain', already.signal), /before start/);
  });
  it('gives up at its deadline without any signal: the socket is closed and the error says how long it waited', async () => {
    // A fresh pool, and the server's side of every connection it opens: on a loaded machine the 80 ms can run out
    // before the request has reached the server's handler (or before it was even written), so the closing is watched
    // on the connection, which the server accepts whether or not a request came over it.
    const fresh = new http.Agent({ keepAlive: true });
    const accepted: Socket[] = [];
    const onConnection = (s: Socket): void => void accepted.push(s);
    server.on('connection', onConnection);
    try {
      routes.set('/stall', () => {});
      routes.set('/half', (_req, res) => res.writeHead(200, { 'Content-Length': '10' }).write('12345'));
      for (const path of ['/stall', '/half']) {
        accepted.length = 0;
        await assert.rejects(directRequest({ method: 'GET', url: new URL(base + path), headers: {}, agent: fresh, timeoutMs: 80 }), (e: unknown) => {
          assert.ok(e instanceof RequestTimeoutError, path);
          assert.equal(e.message, 'timeout after 80 ms');
          return true;
        });
        await waitUntil(() => accepted.length > 0 && accepted.every((s) => s.destroyed), 5000, `the server to see the socket of ${path} closed`);
      }
      // An answer in time clears the deadline: no timer is left behind to fire later. (A deadline the answer meets
      // however loaded the machine: the answer is what is checked here, not how fast it comes.)
      routes.set('/quick', (_req, res) => res.end('ok'));
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      assert.equal((await directRequest({ method: 'GET', url: new URL(base + '/quick'), headers: {}, agent: fresh, timeoutMs: 30_000 })).body.toString(), 'ok');
      assert.equal(timers(), before, 'the deadline of an answered exchange is cleared');
    } finally {
      server.off('connection', onConnection);
      fresh.destroy();
    }
  });

  it('leaves no listener on a long-lived signal, whether an exchange ended by its deadline or by its answer', async () => {
    routes.set('/silent', () => {});
    routes.set('/trickle', (_q, res) => void res.writeHead(200).write('{"half":'));
    routes.set('/answer', (_q, res) => res.writeHead(200).end('{}'));
    // One signal for many exchanges, as the sync loop's cycle signal is for every long poll.
    const loop = new AbortController();
    const timed = (path: string, timeoutMs: number) =>
      directRequest({ method: 'GET', url: new URL(base + path), headers: {}, agent, signal: loop.signal, timeoutMs });
    for (const path of ['/silent', '/trickle']) await assert.rejects(timed(path, 100), (e: unknown) => e instanceof RequestTimeoutError && e.ms === 100);
    // A deadline the answer meets on a loaded machine too: this exchange must end by its answer.
    assert.equal((await timed('/answer', 30_000)).body.toString(), '{}');
    assert.equal(getEventListeners(loop.signal, 'abort').length, 0, 'every exchange unhooked itself');
  });
});

describe('HttpSession cookies and deadlines', () => {
  let server: Server;
  let origin: string;
  const seen: string[] = [];
  /** Each request as the server saw it: the logical host, the path and query, the cookies. */
  const asked: string[] = [];
  before(async () => {
    server = createHttp((req, res) => {
      seen.push(req.headers.cookie ?? '');
      asked.push(`${String(req.headers['x-wechat-host'])} ${req.url} [${req.headers.cookie ?? ''}]`);
      const headers: Record<string, string[]> = {};
      if (req.url?.startsWith('/set')) headers['Set-Cookie'] = [`wxsid=${req.url.slice(5)}; Domain=.wx2.qq.com; Path=/`];
      if (req.url === '/short') headers['Set-Cookie'] = ['short=1; Domain=.wx2.qq.com; Path=/; Max-Age=1'];
      if (req.url === '/hang') return;
      res.writeHead(200, headers).end('{}');
    });
    origin = `http://127.0.0.1:${await listen(server)}`;
  });
  after(() => close(server));

  it('sends what the jar holds: new cookies at once, expired ones no more', async (t) => {
    // Date stands still (timers stay real): the one-second cookie lives exactly as long as the test says, however slow
    // the machine; the jar and the session's Cookie-header cache both read Date.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const s = new HttpSession({ endpoint: origin });
    const get = (path: string, host = 'wx2.qq.com') => s.request({ method: 'GET', url: `https://${host}${path}`, timeoutMs: 2000 });
    try {
      await get('/set/one');
      await get('/x');
      await get('/x', 'webpush.wx2.qq.com'); // the domain cookie reaches the push host
      await get('/set/two');
      await get('/x');
      s.setCookie('extra=1; Domain=.wx2.qq.com; Path=/', 'https://wx2.qq.com/');
      await get('/x');
      await get('/short');
      await get('/x');
      t.mock.timers.tick(999);
      await get('/x');
      t.mock.timers.tick(1);
      await get('/x');
      assert.deepEqual(seen, [
        '',
        'wxsid=one',
        'wxsid=one',
        'wxsid=one',
        'wxsid=two',
        'wxsid=two; extra=1',
        'wxsid=two; extra=1',
        'wxsid=two; extra=1; short=1',
        'wxsid=two; extra=1; short=1',
        'wxsid=two; extra=1',
      ]);
    } finally {
      s.close();
    }
  });

  it('sends a repeated URL (its parse kept) where it says, each to its own host and path, with the cookies of the moment', async () => {
    const s = new HttpSession({ endpoint: origin });
    const get = (url: string) => s.request({ method: 'GET', url, timeoutMs: 2000, repeated: true });
    try {
      asked.length = 0;
      await get('https://wx2.qq.com/x?pass_ticket=a');
      await get('https://webpush.wx2.qq.com/y?pass_ticket=a');
      await get('https://wx2.qq.com/set/three');
      await get('https://wx2.qq.com/x?pass_ticket=a');
      await get('https://webpush.wx2.qq.com/y?pass_ticket=a');
      await get('https://wx2.qq.com/x?pass_ticket=b');
      // More URLs than a session keeps: the oldest are parsed again, nothing is mixed up.
      for (let i = 0; i < 20; i++) await get(`https://wx2.qq.com/n${i}`);
      await get('https://wx2.qq.com/x?pass_ticket=a');
      assert.deepEqual(asked.slice(0, 6), [
        'wx2.qq.com /x?pass_ticket=a []',
        'webpush.wx2.qq.com /y?pass_ticket=a []',
        'wx2.qq.com /set/three []',
        'wx2.qq.com /x?pass_ticket=a [wxsid=three]',
        'webpush.wx2.qq.com /y?pass_ticket=a [wxsid=three]',
        'wx2.qq.com /x?pass_ticket=b [wxsid=three]',
      ]);
      assert.deepEqual(
        asked.slice(6, 26),
        Array.from({ length: 20 }, (_, i) => `wx2.qq.com /n${i} [wxsid=three]`),
      );
      assert.equal(asked[26], 'wx2.qq.com /x?pass_ticket=a [wxsid=three]');
    } finally {
      s.close();
    }
  });

  it('turns a deadline into a network TransportError naming the path', async () => {
    const s = new HttpSession({ endpoint: origin });
    try {
      await assert.rejects(s.request({ method: 'GET', url: 'https://wx2.qq.com/hang', timeoutMs: 100 }), (e: unknown) => {
        assert.ok(isTransportError(e));
        assert.equal(e.kind, 'network');
        assert.match(e.message, /GET \/hang timed out after 100 ms/);
        return true;
      });
    } finally {
      s.close();
    }
  });
});
