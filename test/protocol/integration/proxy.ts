/**
 * A recording HTTP proxy for integration tests: the transport talks to it as its endpoint, it
 * forwards everything to the sandbox unchanged (or with a test's URL rewrite) and records what
 * went over the wire — method, logical host, endpoint, query, headers, the head of each body and
 * of each answer — so tests can assert the exact requests the client made.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bytes of each request and response body kept for assertions. */
const KEEP = 64 * 1024;

export interface Exchange {
  method: string;
  /** The logical WeChat host (X-Wechat-Host). */
  host: string;
  /** Last path segment: `webwxgetvoice`, `webwxuploadmedia`… */
  endpoint: string;
  /** The URL as forwarded (after any rewrite). */
  url: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The first 64 KiB of the request body, latin1 (multipart bodies are binary). */
  body: string;
  bodyBytes: number;
  status?: number;
  /** The first 64 KiB of the answer, UTF-8. */
  answer: string;
  answerBytes: number;
  /** performance.now() when the request arrived and when its answer was complete. */
  startedAt: number;
  endedAt?: number;
}

export interface RecordingProxy {
  origin: string;
  exchanges: Exchange[];
  /** Exchanges of one endpoint, in order. */
  of(endpoint: string): Exchange[];
  /** Change a request URL (path + query) before it is forwarded; undefined = unchanged. */
  rewrite: ((url: string, endpoint: string) => string | undefined) | undefined;
  close(): Promise<void>;
}

function appendHead(kept: Buffer[], size: number, chunk: Buffer): number {
  if (size < KEEP) kept.push(chunk.subarray(0, KEEP - size));
  return size + chunk.length;
}

/** Start a proxy on 127.0.0.1 (port 0) in front of `target` (an http origin). */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const up = new URL(target);
  const agent = new http.Agent({ keepAlive: false });
  const proxy: RecordingProxy = {
    origin: '',
    exchanges: [],
    of: (endpoint) => proxy.exchanges.filter((e) => e.endpoint === endpoint),
    rewrite: undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      agent.destroy();
    },
  };
  const server = http.createServer((req, res) => {
    const original = req.url ?? '/';
    const path = original.split('?')[0] ?? '/';
    const endpoint = path.slice(path.lastIndexOf('/') + 1);
    const url = proxy.rewrite?.(original, endpoint) ?? original;
    const ex: Exchange = {
      method: req.method ?? 'GET',
      host: String(req.headers['x-wechat-host'] ?? ''),
      endpoint,
      url,
      query: new URL(url, 'http://x').searchParams,
      headers: req.headers,
      body: '',
      bodyBytes: 0,
      answer: '',
      answerBytes: 0,
      startedAt: performance.now(),
    };
    proxy.exchanges.push(ex);
    const reqHead: Buffer[] = [];
    const headers = { ...req.headers, host: up.host };
    const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: url, headers, agent }, (ans) => {
      ex.status = ans.statusCode;
      res.writeHead(ans.statusCode ?? 502, ans.headers);
      const ansHead: Buffer[] = [];
      ans.on('data', (d: Buffer) => {
        ex.answerBytes = appendHead(ansHead, ex.answerBytes, d);
      });
      ans.on('end', () => {
        ex.endedAt = performance.now();
        ex.answer = Buffer.concat(ansHead).toString('utf8');
      });
      ans.pipe(res);
    });
    // A reset or dropped upstream (sandbox faults) is passed on as a dropped connection.
    fwd.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) fwd.destroy();
    });
    req.on('data', (d: Buffer) => {
      ex.bodyBytes = appendHead(reqHead, ex.bodyBytes, d);
    });
    req.on('end', () => {
      ex.body = Buffer.concat(reqHead).toString('latin1');
    });
    req.pipe(fwd);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
