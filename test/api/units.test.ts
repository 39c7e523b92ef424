import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { isPrivateAddress, checkUrl, guardedLookup } from '../../src/util/outbound-guard.js';
import { backoffMs, CircuitBreakers } from '../../src/webhook/breaker.js';
import { parseReply } from '../../src/webhook/reply.js';

describe('RateLimiter.take(key)', () => {
  it('allows a burst, then refills at the set rate, per key', () => {
    let t = 0;
    const rl = new RateLimiter({ capacity: 2, refillPerSec: 1 }, () => t);
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 0);
    assert.equal(rl.take('a'), 1000);
    assert.equal(rl.take('b'), 0);
    t = 500;
    assert.equal(rl.take('a'), 500);
    t = 1000;
    assert.equal(rl.take('a'), 0);
  });
});

describe('isPrivateAddress(ip) / checkUrl(url)', () => {
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:8.8.8.8', false],
    ['2606:4700::1111', false],
    ['not-an-ip', true],
  ];
  for (const [ip, expected] of table) it(`${ip} → ${expected}`, () => assert.equal(isPrivateAddress(ip), expected));
  it('refuses non-http schemes, credentials, literal private hosts and localhost', () => {
    assert.throws(() => checkUrl('file:///etc/passwd'), /http/);
    assert.throws(() => checkUrl('http://u:p@example.com/'), /credentials/);
    assert.throws(() => checkUrl('http://127.0.0.1/'), /private/);
    assert.throws(() => checkUrl('http://[::1]/'), /private/);
    assert.throws(() => checkUrl('http://localhost/'), /localhost/);
    assert.equal(checkUrl('http://127.0.0.1/', true).hostname, '127.0.0.1');
    assert.equal(checkUrl('https://example.com/a.png').hostname, 'example.com');
  });

  it('guardedLookup refuses a name when any of its addresses is private, unless allowed', async () => {
    const resolver =
      (list: { address: string; family: number }[]) =>
      (_h: string, _o: { all: true }, cb: (e: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) =>
        cb(null, list);
    const ask = (allow: boolean, list: { address: string; family: number }[]) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        guardedLookup(allow, resolver(list))('hook.example', { family: 0 }, (err, address) => resolve({ err, address })),
      );
    const rebound = [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    const refused = await ask(false, rebound);
    assert.equal(refused.err?.code, 'EPRIVATE');
    assert.match(refused.err?.message ?? '', /hook\.example resolves to a private or loopback address \(10\.0\.0\.5\)/);
    assert.equal((await ask(true, rebound)).address, '93.184.216.34');
    assert.equal((await ask(false, [{ address: '93.184.216.34', family: 4 }])).address, '93.184.216.34');
  });
});

describe('backoffMs() and CircuitBreakers', () => {
  it('grows exponentially with ±25 % jitter, capped; first retry within seconds', () => {
    const o = { baseMs: 2000, maxMs: 3_600_000, maxAgeMs: 86_400_000 };
    assert.equal(
      backoffMs(1, o, () => 0.5),
      2000,
    );
    assert.equal(
      backoffMs(1, o, () => 0),
      1500,
    );
    assert.equal(
      backoffMs(3, o, () => 0.5),
      8000,
    );
    assert.equal(
      backoffMs(30, o, () => 0.5),
      3_600_000,
    );
    let total = 0;
    let n = 0;
    while (total < o.maxAgeMs) total += backoffMs(++n, o, () => 0.5);
    assert.ok(n > 20 && n < 40, `${n} attempts in 24 h`);
  });
  it('opens after the threshold, lets one probe through after the cool-down, closes on success', () => {
    const b = new CircuitBreakers({ threshold: 2, cooldownMs: 100, maxCooldownMs: 1000 });
    b.failure('e', 0);
    assert.equal(b.state('e', 0), 'closed');
    b.failure('e', 0);
    assert.equal(b.state('e', 50), 'open');
    assert.equal(b.tryAcquire('e', 50), false);
    assert.equal(b.tryAcquire('e', 100), true);
    assert.equal(b.tryAcquire('e', 100), false, 'one probe at a time');
    b.failure('e', 100);
    assert.equal(b.nextReopenAt(100), 300, 'cool-down doubles');
    assert.equal(b.tryAcquire('e', 300), true);
    b.success('e');
    assert.equal(b.state('e', 300), 'closed');
  });
});

describe('parseReply(body)', () => {
  it('reads text, media and rejects malformed replies', () => {
    assert.deepEqual(parseReply('{"reply":{"text":"hi"}}'), { reply: { type: 'text', text: 'hi' } });
    assert.deepEqual(parseReply('{"reply":"hi"}'), { reply: { type: 'text', text: 'hi' } });
    assert.deepEqual(parseReply('{"reply":{"type":"image","url":"https://x/y.png"}}'), { reply: { type: 'image', url: 'https://x/y.png' } });
    assert.equal(parseReply('ok'), undefined);
    assert.equal(parseReply('{"other":1}'), undefined);
    assert.ok('error' in parseReply('{"reply":{"text":""}}')!);
    assert.ok('error' in parseReply('{"reply":{"type":"image","url":"ftp://x"}}')!);
    assert.ok('error' in parseReply('{"reply":[1]}')!);
  });
});
