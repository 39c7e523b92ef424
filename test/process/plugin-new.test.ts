// `weiroto plugin new NAME` through the real command: it writes the plugin and its test, refuses to
// overwrite them, and refuses a name that is not kebab-case, each with one clear line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/weiroto.js');
const run = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [BIN, 'plugin', ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });

describe('weiroto plugin new NAME (process)', () => {
  it('scaffolds plugins/NAME/index.ts and test/plugins/NAME.test.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w-scaffold-'));
    const r = run(dir, 'new', 'greeter');
    assert.equal(r.status, 0, r.stderr);
    const plugin = join(dir, 'plugins', 'greeter', 'index.ts');
    const test = join(dir, 'test', 'plugins', 'greeter.test.ts');
    assert.match(r.stdout, /created .*plugins\/greeter\/index\.ts/);
    assert.ok(existsSync(plugin) && existsSync(test));
    assert.match(readFileSync(plugin, 'utf8'), /definePlugin\(/);
    assert.match(readFileSync(plugin, 'utf8'), /name: 'greeter'/);

    const again = run(dir, 'new', 'greeter');
    assert.notEqual(again.status, 0);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, /^weiroto: .*exists/);
  });

  it('refuses a name that is not kebab-case and a missing name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'w-scaffold-'));
    const bad = run(dir, 'new', 'My Plugin');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /^weiroto: Plugin name "My Plugin" must be kebab-case/);
    const none = run(dir, 'new');
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /^weiroto: usage: weiroto plugin new NAME/);
  });
});
