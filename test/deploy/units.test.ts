// The service definitions in deploy/ are parsed and checked for what matters: restart on failure,
// SIGTERM to stop, DATA_DIR outside the code, the right command. `systemd-analyze verify` runs too
// when the tool is present.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseIni } from '../helpers/ini.js';

const root = resolve(import.meta.dirname, '../..');

describe('deploy/weiroto.service', () => {
  const unit = parseIni(readFileSync(resolve(root, 'deploy/weiroto.service'), 'utf8'));
  it('has the three sections', () => assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']));
  const service = unit.get('Service')!;
  it('runs weiroto start, restarts on failure and stops with SIGTERM', () => {
    assert.match(service.get('ExecStart')![0]!, /^\/usr\/bin\/node \S+\/bin\/weiroto\.js start$/);
    assert.equal(service.get('Restart')![0], 'on-failure');
    assert.equal(service.get('KillSignal')![0], 'SIGTERM');
    assert.ok(Number(service.get('TimeoutStopSec')![0]) > 10, 'gives weiroto its 10 s to stop');
  });
  it('keeps DATA_DIR outside the code directory', () => {
    const dataDir = service
      .get('Environment')!
      .map((e) => /^DATA_DIR=(.+)$/.exec(e)?.[1])
      .find(Boolean);
    const workDir = service.get('WorkingDirectory')![0]!;
    assert.ok(dataDir && !dataDir.startsWith(workDir), `${dataDir} vs ${workDir}`);
  });
  it('passes systemd-analyze verify when the tool is present', (t) => {
    const probe = spawnSync('systemd-analyze', ['--version']);
    if (probe.error) return t.skip('systemd-analyze is not installed here');
    const r = spawnSync('systemd-analyze', ['verify', resolve(root, 'deploy/weiroto.service')], { encoding: 'utf8' });
    // verify complains about a missing user/binary on a build machine; syntax errors are what we check.
    assert.doesNotMatch(r.stderr, /Unknown (key|section)|Invalid|Failed to parse/i, r.stderr);
  });
});

describe('deploy/supervisord.conf', () => {
  const conf = parseIni(readFileSync(resolve(root, 'deploy/supervisord.conf'), 'utf8'));
  const prog = conf.get('program:weiroto')!;
  it('defines program:weiroto running weiroto start', () => {
    assert.ok(prog);
    assert.match(prog.get('command')![0]!, /\/bin\/weiroto\.js start$/);
  });
  it('restarts on failure and stops with TERM, waiting longer than 10 s', () => {
    assert.equal(prog.get('autorestart')![0], 'unexpected');
    assert.equal(prog.get('exitcodes')![0], '0');
    assert.equal(prog.get('stopsignal')![0], 'TERM');
    assert.ok(Number(prog.get('stopwaitsecs')![0]) > 10);
  });
  it('keeps DATA_DIR outside the code directory', () => {
    const env = prog.get('environment')![0]!;
    const dataDir = /DATA_DIR="([^"]+)"/.exec(env)?.[1];
    assert.ok(dataDir && !dataDir.startsWith(prog.get('directory')![0]!));
  });
});
