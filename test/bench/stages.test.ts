// The latency split of bench/compare (BENCH_STAGES=1): the stage marks come from Node's HTTP
// diagnostics channels of the process that serves, here a plain server on 127.0.0.1 answering the
// endpoints of one message's round in the order a client makes them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StageClock, stageTable } from '../../bench/compare/stages.js';

const CGI = '/cgi-bin/mmwebwx-bin/';

function get(port: number, endpoint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `${CGI}${endpoint}?r=1` }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(run: (port: number) => Promise<void>): Promise<void> {
  const server: Server = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

describe('bench/compare stage clock', () => {
  it('splits one round into its stages, in order, and sees a synccheck that went before the send', async () => {
    await withServer(async (port) => {
      const clock = new StageClock();
      try {
        await get(port, 'synccheck'); // before the injection: not this message's
        clock.reset();
        const at = performance.now();
        await get(port, 'synccheck');
        await get(port, 'webwxsync');
        await get(port, 'synccheck');
        await get(port, 'webwxsendmsg');
        const t = clock.stages(at, performance.now());
        const points = [t.syncCheckAnswered, t.syncArrived, t.syncAnswered, t.sendArrived, t.echoRead];
        for (const p of points) assert.ok(p !== undefined && p >= 0, `every stage seen: ${JSON.stringify(t)}`);
        for (let i = 1; i < points.length; i++) assert.ok(points[i]! >= points[i - 1]!, `in order: ${JSON.stringify(t)}`);
        assert.equal(t.pollFirst, true);
        const lines = stageTable('raw', [{ group: false, t }]);
        assert.match(lines.join('\n'), /private \(1\): inject → synccheck answered \(sandbox\) [\d.]+ \/ [\d.]+,.*next synccheck before the send: 1 of 1/);
      } finally {
        clock.close();
      }
    });
  });

  it('does not count a synccheck made after the send, and leaves out the stages a message skipped', async () => {
    await withServer(async (port) => {
      const clock = new StageClock();
      try {
        clock.reset();
        const at = performance.now();
        await get(port, 'webwxsync');
        await get(port, 'webwxsendmsg');
        await get(port, 'synccheck');
        const t = clock.stages(at, performance.now());
        assert.equal(t.syncCheckAnswered, undefined);
        assert.ok(t.sendArrived !== undefined);
        assert.equal(t.pollFirst, false);
        assert.match(stageTable('weiroto', [{ group: true, t }]).join('\n'), /group \(1\): inject → synccheck answered \(sandbox\) NaN/);
      } finally {
        clock.close();
      }
    });
  });
});
