/**
 * The web client's HTTP path alone, CPU per request (issue 17): weiroto's HttpSession against the raw echo
 * client's way of sending (bench/clients/raw-echo.ts: https.request with a keep-alive agent, an object of
 * headers, the cookies joined by hand), both sending webwxsendmsg-shaped POSTs over keep-alive TLS to a server
 * in another process, eight at a time. The compare bench's keep-alive burst shows weiroto paying more inside
 * Node's HTTP/TLS code per request than the raw client; this bench says how much of that the request path
 * itself costs, apart from everything else a weiroto process does around it.
 *
 * Both clients run in ONE child process, in interleaved blocks (raw, weiroto, weiroto, raw…), each block's CPU
 * read with process.cpuUsage: a machine shared with other work slows both alike, and a block's minimum over the
 * run is close to what a quiet machine gives. Printed: µs of CPU per request (min, first quartile, median of the
 * blocks) and weiroto's median over raw's.
 *
 * Run: node --import tsx bench/http-client.bench.ts   (`npm run bench -- http-client`)
 * Env: BENCH_BLOCKS (default 30 per client), BENCH_BLOCK (requests per block, default 400), BENCH_WARMUP
 * (requests per client before, unmeasured, default 2000), BENCH_CONCURRENCY (default 8, the agents' maxSockets).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureTlsMaterial } from '../src/sandbox/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-http-client-'));
try {
  const tls = await ensureTlsMaterial(dir);
  // What the sandbox answers a webwxsendmsg with (Content-Type text/plain, §1.1), on a kept-alive connection.
  const answer = JSON.stringify({ BaseResponse: { Ret: 0, ErrMsg: '' }, MsgID: '5863218407615271234', LocalID: '17330000000001234' });
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(answer) }).end(answer));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  console.log(
    `http-client: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'http-client/client.ts')], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caCertPath, BENCH_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  console.log(
    `http-client: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  server.closeAllConnections();
  server.close();
  if (code !== 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
