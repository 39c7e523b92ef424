/**
 * The measuring side of bench/http-client.bench.ts (its header says what and why): both clients in this
 * process, interleaved blocks of requests to the server on 127.0.0.1:BENCH_PORT (its certificate names that
 * address; its CA comes through NODE_EXTRA_CA_CERTS).
 */
import https from 'node:https';
import { HttpSession } from '../../src/protocol/http.js';

const PORT = Number(process.env.BENCH_PORT);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 30);
const BLOCK = Number(process.env.BENCH_BLOCK ?? 400);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const origin = `https://127.0.0.1:${PORT}`;
const path = '/cgi-bin/mmwebwx-bin/webwxsendmsg?lang=zh_CN&pass_ticket=VgRra8tyQ2ZpbWl0ZWQ0d2lyZW5zaG9ydA8X1PB9w9w%253D';
/** The seven cookies webwxnewloginpage sets (§3), with values of their real lengths. */
const COOKIES = [
  'wxuin=1234567890',
  'wxsid=PsWd4FvKROR5EVcG',
  'wxloadtime=1733000000',
  'mm_lang=zh_CN',
  'webwx_data_ticket=gSeBbuhX+0kFdkXbgeQwr6Ck',
  `webwxuvid=${'0123456789abcdef'.repeat(6)}`,
  `webwx_auth_ticket=${'CIsBEAAaMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'.repeat(3)}`,
];
const SELF = `@${'812981b287ffe46b'.repeat(4)}`;
let n = 0;
/** A webwxsendmsg body as the web client builds it (§6.1), fresh for each request. */
function body(): string {
  const id = String(17330000000000000 + ++n);
  return JSON.stringify({
    BaseRequest: {
      Uin: 1234567890,
      Sid: 'PsWd4FvKROR5EVcG',
      Skey: '@crypt_12345678_0123456789abcdef0123456789abcdef',
      DeviceID: `e${String(n).padStart(15, '0')}`,
    },
    Msg: { Type: 1, Content: `burst ${n} ping`, FromUserName: SELF, ToUserName: `@${'a1b2c3d4e5f60718'.repeat(4)}`, LocalID: id, ClientMsgId: id },
    Scene: 0,
  });
}

type Send = () => Promise<unknown>;

/** The raw echo client's request (bench/clients/raw-echo.ts), minus its host rewriting. */
function rawClient(): Send {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  const cookie = COOKIES.join('; ');
  return () =>
    new Promise((resolve, reject) => {
      const payload = Buffer.from(body());
      const req = https.request(
        {
          host: '127.0.0.1',
          port: PORT,
          path,
          method: 'POST',
          agent,
          headers: { cookie, 'content-type': 'application/json;charset=UTF-8', 'content-length': payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(40_000, () => req.destroy(new Error('timeout')));
      req.end(payload);
    });
}

/** weiroto's: HttpSession.request as WebApi.json calls it for a send, the answer read as text. */
function weirotoClient(): Send {
  const session = new HttpSession();
  for (const c of COOKIES) session.setCookie(c, `${origin}/`);
  return async () => {
    const res = await session.request({ method: 'POST', url: origin + path, body: body(), timeoutMs: 60_000 });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return res.body.toString('utf8');
  };
}

async function run(send: Send, count: number): Promise<void> {
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      await send();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}

const clients: [string, Send][] = [
  ['raw', rawClient()],
  ['weiroto', weirotoClient()],
];
for (const [, send] of clients) await run(send, WARMUP);
const perRequest = new Map<string, number[]>(clients.map(([name]) => [name, []]));
for (let b = 0; b < BLOCKS; b++) {
  for (const [name, send] of b % 2 ? [...clients].reverse() : clients) {
    const before = process.cpuUsage();
    await run(send, BLOCK);
    const used = process.cpuUsage(before);
    perRequest.get(name)!.push((used.user + used.system) / BLOCK);
  }
}
const at = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.round(q * (xs.length - 1))]!;
console.log(`http-client: ${BLOCKS} blocks of ${BLOCK} requests per client, ${CONCURRENCY} in flight, after ${WARMUP} unmeasured`);
for (const [name, xs] of perRequest) {
  console.log(`  ${name.padEnd(8)} CPU per request: min ${at(xs, 0).toFixed(1)} µs, p25 ${at(xs, 0.25).toFixed(1)} µs, median ${at(xs, 0.5).toFixed(1)} µs`);
}
console.log(`  weiroto / raw (medians): ${(at(perRequest.get('weiroto')!, 0.5) / at(perRequest.get('raw')!, 0.5)).toFixed(3)}`);
process.exit(0);
