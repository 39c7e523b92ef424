/**
 * The iLink client with its default, real host names (ilinkai.weixin.qq.com, the CDN) over TLS,
 * against the sandbox's HTTPS listener: the names resolve to 127.0.0.1 through an injected fetch
 * that trusts the sandbox's test CA. Login, a message each way, media both ways byte-exact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { randomBytes } from 'node:crypto';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { IlinkTransport } from '../../src/ilink/index.js';
import type { Message } from '../../src/transport/model.js';
import { waitUntil } from '../../src/testing/wait.js';

/** A fetch that sends every *.qq.com request to the sandbox's TLS port, checking the test CA. */
function sandboxFetch(port: number, ca: string): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(String(input));
      if (!url.hostname.endsWith('.qq.com')) return reject(new Error(`unexpected host ${url.hostname}`));
      const headers: Record<string, string> = { host: url.hostname };
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      const req = request(
        {
          host: '127.0.0.1',
          port,
          servername: url.hostname,
          ca,
          method: init.method ?? 'GET',
          path: url.pathname + url.search,
          headers,
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
            resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: h }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      const body = init.body;
      if (body !== undefined && body !== null) req.write(typeof body === 'string' ? body : Buffer.from(body as Uint8Array));
      req.end();
    });
}

describe('iLink client over TLS on the real host names', () => {
  let sb: RunningSandbox;
  let t: IlinkTransport;
  before(async () => {
    sb = await startSandbox({ tlsPort: 0, ilink: { pollHoldMs: 300, longPollTimeoutMs: 1000 } });
    const ca = await readFile(sb.caCertPath!, 'utf8');
    t = new IlinkTransport({ version: '0.1.0', fetch: sandboxFetch(sb.tlsPort!, ca), tuning: { chunkGapMs: 0 }, qr: { pollIntervalMs: 20 } });
  });
  after(async () => {
    await t.stop();
    await sb.close();
  });

  it('logs in, receives and answers, and moves media both ways byte-exact', async () => {
    t.on('qr', (qr) => void sb.ilink.control.confirm({ qrcode: qr.id }));
    await t.start();
    assert.equal(t.serialize()!.baseUrl, 'https://ilinkai.weixin.qq.com');
    const got: Message[] = [];
    t.on('message', (m) => got.push(m));
    const img = randomBytes(9_999);
    await sb.ilink.control.sendMessage({ text: 'over tls' });
    await sb.ilink.control.sendMessage({ image: img.toString('base64') });
    await waitUntil(() => got.length === 2, 15_000, 'two messages');
    assert.equal(got[0]!.text, 'over tls');
    assert.deepEqual(await t.download(got[1]!), img);
    const since = (await sb.ilink.control.sent()).next;
    await t.sendText(got[0]!.chatId, 'answer over tls');
    const file = randomBytes(4_321);
    await t.sendFile(got[0]!.chatId, { name: 'a.bin', data: file });
    const sent = (await sb.ilink.control.sent(since)).messages;
    assert.deepEqual(
      sent.map((m) => m.decision),
      ['delivered', 'delivered'],
    );
    assert.equal(sent[0]!.items[0]!.text, 'answer over tls');
    assert.deepEqual(await sb.ilink.control.media(sent[1]!.items[0]!.media!), file);
  });
});
