// Smoke test of the comparison benchmark's harness with tiny sizes: the three echo clients (weiroto,
// wechat4u, raw) each log in through the sandbox's TLS mode in their own process, answer a few
// single messages and a small burst. The figures must be real (positive, every echo seen) and the
// report must name every target. (The scale part has its own: test/bench/scale.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../../bench/compare/clients.js';
import { consoleReport, keepAliveTargets, pairedCpuRatios, readmeSection, replacePerf, START_MARK, END_MARK, targets } from '../../bench/compare/report.js';
import { runCompare } from '../../bench/compare/run.js';
import { quantile, type RunResult } from '../../bench/compare/measure.js';

const TINY = { contacts: 20, rooms: 3, roomSize: 5, syncBatch: 5, holdMs: 25_000, burst: 12, latencyCount: 4, latencyGapMs: 25, settleMs: 100, runs: 1 };

describe('bench/compare harness (tiny sizes)', () => {
  // No budget for the whole test: it is seconds of CPU work in four processes, so its wall time follows the machine's
  // load (6 s idle, 57 s under the stress loop, where a 55 s budget failed it). Every step bounds its own hang with a
  // named error instead (QR 120 s, ready 120 s, each echo 15 s, the burst 180 s, each stop 12-20 s).
  it('measures all three clients and reports every target', async () => {
    // weiroto runs from dist/ (as `weiroto start` does); build it when missing.
    if (!existsSync(join(ROOT, 'dist/src/cli.js'))) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/weiroto.js'), 'help'], { cwd: ROOT });
      assert.equal(r.status, 0, String(r.stderr));
    }
    const result = await runCompare(TINY);
    for (const name of ['weiroto', 'wechat4u', 'raw'] as const) {
      const s = result.summary[name];
      assert.ok(s, `${name} was measured`);
      assert.ok(s.loginReadyMs > 0 && s.loginReadyMs < 30_000, `${name} login→ready ${s.loginReadyMs}`);
      assert.ok(s.perSecond > 0 && s.burstWallMs > 0, `${name} burst`);
      assert.ok(s.cpuMsPerMsg > 0, `${name} used CPU for the burst`);
      assert.ok(s.latencyMedian > 0 && s.latencyP90 >= s.latencyMedian, `${name} latency`);
      assert.deepEqual(s.latencyMedianSpread, [s.latencyMedian, s.latencyMedian], `${name}: one run, one median`);
      assert.deepEqual(s.cpuMsPerMsgSpread, [s.cpuMsPerMsg, s.cpuMsPerMsg], `${name}: one run, one CPU figure`);
      assert.ok(s.peakRssMiB > 20 && s.peakRssMiB < 2048, `${name} peak RSS ${s.peakRssMiB}`);
    }

    // Sub-millisecond latencies: whole milliseconds made a 2 ms median read 2 or 3 (a ratio of 1.00 or 1.50).
    const samples = result.runs.flatMap((r) => r.latency.all);
    assert.equal(samples.length, 3 * TINY.latencyCount);
    assert.ok(
      samples.some((x) => !Number.isInteger(x)),
      `latencies carry fractions of a millisecond: ${samples.join(', ')}`,
    );

    const report = consoleReport(result);
    assert.match(report, /latency of 1 message, median of 4 \(ms\)\s+\d+\.\d\d/);
    assert.match(report, /latency: performance\.now\(\) in the sandbox's process/);
    for (const t of targets(result)) assert.match(report, new RegExp(`(PASS|MISS)\\s+${t.name.replace(/[()%]/g, '.')}`));
    assert.equal(targets(result).length, 5);
  });

  it('runs against the keep-alive sandbox and reads the cost-per-message targets there', async () => {
    const result = await runCompare({
      ...TINY,
      keepAlive: true,
      clients: ['raw', 'weiroto'],
    });
    for (const name of ['weiroto', 'raw'] as const) assert.ok((result.summary[name]?.cpuMsPerMsg ?? 0) > 0, `${name} was measured`);
    const report = consoleReport(result);
    assert.match(report, /connections kept alive/);
    const ts = keepAliveTargets(result);
    assert.equal(ts.length, 2);
    for (const t of ts) assert.ok(Number.isFinite(t.value), `${t.name} is a real ratio`);
    for (const t of ts) assert.match(report, new RegExp(`(PASS|MISS)\\s+${t.name}`));
    assert.match(readmeSection(result, result), /keepAlive` switch on/);
    // One run of each: the run-by-run ratio is the target's ratio of medians.
    assert.deepEqual(pairedCpuRatios(result), [ts[0]!.value]);
    assert.match(report, /CPU per echo ÷ raw, run by run: \d+\.\d\d\n/);
    assert.match(readmeSection(result, result), /CPU per echo ÷ raw, run by run: \d+\.\d\d \(the target reads the medians\)/);
  });

  it('pairs run i of weiroto with run i of the raw client', () => {
    const run = (client: 'raw' | 'weiroto', cpuMsPerMsg: number): RunResult => ({
      client,
      loginReadyMs: 1,
      latency: { median: 1, p90: 1, all: [1] },
      burst: { wallMs: 1, perSecond: 1, cpuMsPerMsg, cpuMs: 1, injectMs: 1, sandboxCpuMsPerMsg: 1, syncs: 1, requests: 1 },
      peakRssMiB: 1,
      startRssMiB: 1,
    });
    const options = { ...TINY, runs: 3, keepAlive: true };
    const runs = [run('raw', 0.3), run('weiroto', 0.45), run('raw', 0.25), run('weiroto', 0.5), run('raw', 0.4), run('weiroto', 0.6)];
    assert.deepEqual(
      pairedCpuRatios({ options, runs, summary: {} }).map((x) => x.toFixed(2)),
      ['1.50', '2.00', '1.50'],
    );
    // A weiroto run without its raw twin (a client left out) has no ratio.
    assert.deepEqual(pairedCpuRatios({ options, runs: runs.filter((r) => r.client === 'weiroto'), summary: {} }), []);
  });

  it('replaces only the text between the README markers, and appends the section when missing', () => {
    const before = `# x\n\n## Performance\n\n${START_MARK}\nold table\n${END_MARK}\n\n## After\nkept\n`;
    const after = replacePerf(before, 'new table');
    assert.equal(after, `# x\n\n## Performance\n\n${START_MARK}\nnew table\n${END_MARK}\n\n## After\nkept\n`);
    const appended = replacePerf('# x\n', 'T');
    assert.equal(appended, `# x\n\n## Performance\n\n${START_MARK}\nT\n${END_MARK}\n`);
    assert.equal(replacePerf(appended, 'U'), `# x\n\n## Performance\n\n${START_MARK}\nU\n${END_MARK}\n`);
  });

  it('quantiles are nearest-rank', () => {
    assert.equal(quantile([5, 1, 3, 2, 4], 0.5), 3);
    assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.match(
      readmeSection({
        options: { contacts: 1, rooms: 1, roomSize: 3, syncBatch: 1, holdMs: 1000, burst: 1, latencyCount: 1, latencyGapMs: 0, settleMs: 0, runs: 1 },
        runs: [],
        summary: {},
      }),
      /MISS/,
    );
  });
});
