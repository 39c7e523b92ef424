// Smoke test of the scale benchmark's harness with tiny sizes, through the real path: the sandbox in
// its own process (`weiroto sandbox`, TLS mode), two accounts of each transport in one weiroto
// process (weiroto-multi from dist/), QR codes scanned through the control APIs, every long poll
// held, echoes timed by the sandbox, then a restart that brings both back without a QR and (web)
// with the sandbox counting the start-ups that overlapped. The figures must be real and the report
// must name every target.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../../bench/compare/clients.js';
import { END_MARK, START_MARK } from '../../bench/compare/report.js';
import { replaceScale, SCALE_END, SCALE_START, scaleConsoleReport, scaleReadme, scaleTargets } from '../../bench/scale/report.js';
import { runScale } from '../../bench/scale/run.js';

const TINY = { accounts: 2, contacts: 10, rooms: 1, roomSize: 4, holdMs: 25_000, ilinkHoldMs: 35_000, idleMs: 400, firstIdleMs: 400, latencyCount: 2 };

describe('bench/scale harness (tiny sizes)', () => {
  // No budget for the whole test: under load its wall time follows the machine. Every wait fails on its own when
  // nothing moves for 180 s, or at once when the sandbox or weiroto process died.
  it('brings web and iLink accounts online, idle, echoing and restored without a QR', async () => {
    // weiroto runs from dist/ (as `weiroto start` does); build it when missing.
    if (!existsSync(join(ROOT, 'dist/src/cli.js'))) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/weiroto.js'), 'help'], { cwd: ROOT });
      assert.equal(r.status, 0, String(r.stderr));
    }
    const web = await runScale({ ...TINY, transport: 'web', loginConcurrency: 1 });
    const ilink = await runScale({ ...TINY, transport: 'ilink' });
    for (const r of [web, ilink]) {
      assert.equal(r.accounts, 2);
      assert.equal(r.heldPolls, 2, `${r.transport}: both accounts hold a long poll while idle`);
      assert.ok(r.rssMiB > 20 && r.peakRssMiB >= r.rssMiB, `${r.transport}: RSS ${r.rssMiB}`);
      assert.ok(r.idleCpuPercent >= 0 && r.idleCpuPercent < 100, `${r.transport}: idle CPU ${r.idleCpuPercent}`);
      assert.ok(r.firstIdle.ms >= 400 && r.firstIdle.cpuPercent >= 0, `${r.transport}: first idle span ${JSON.stringify(r.firstIdle)}`);
      assert.equal(r.latency.count, 2);
      assert.ok(r.latency.median >= 0 && r.latency.p90 >= r.latency.median, `${r.transport}: latency`);
      assert.equal(r.restore.newQrs, 0, `${r.transport}: the restart resumed both accounts without a QR`);
      assert.ok(r.restore.allOnlineMs > 0 && r.restore.rssMiB > 20, `${r.transport}: restore figures`);
    }
    // LOGIN_CONCURRENCY=1: the sandbox saw the two web start-ups one after the other.
    assert.equal(web.restore.peakLogins, 1);
    assert.equal(ilink.restore.peakLogins, undefined);

    const report = scaleConsoleReport([web, ilink]);
    const targets = [...scaleTargets(web), ...scaleTargets(ilink)];
    assert.equal(targets.length, 7);
    for (const t of targets) assert.match(report, new RegExp(`(PASS|MISS)\\s+${t.name.replace(/[()%]/g, '.')}`));
    assert.match(scaleReadme([web, ilink]), /2 web accounts of 10 contacts in one weiroto process: all online in/);
  });

  it('puts its block after the Performance markers once, then replaces only that block', () => {
    const readme = `# x\n\n${START_MARK}\nperf\n${END_MARK}\n\n## After\n`;
    const once = replaceScale(readme, 'A');
    assert.equal(once, `# x\n\n${START_MARK}\nperf\n${END_MARK}\n\n${SCALE_START}\nA\n${SCALE_END}\n\n## After\n`);
    assert.equal(replaceScale(once, 'B'), once.replace('\nA\n', '\nB\n'));
  });
});
