import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaffoldPlugin } from '../../src/bot/scaffold.js';
import { packageRoot } from '../../src/util/paths.js';

describe('scaffoldPlugin(name, dir)', () => {
  const root = packageRoot();
  mkdirSync(join(root, 'test-output'), { recursive: true });
  const dir = mkdtempSync(join(root, 'test-output', 'scaffold-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Run `<project>/test/plugins/<plugin>.test.ts` as its own test process; it must pass its 3 tests. Answers its output. */
  function passingTest(project: string, plugin: string): string {
    // The generated files import the project's src/ and test helpers by relative path.
    symlinkSync(join(root, 'src'), join(project, 'src'));
    symlinkSync(join(root, 'test', 'helpers'), join(project, 'test', 'helpers'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', join(project, 'test', 'plugins', `${plugin}.test.ts`)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      // Run as a top-level test process (not as a child reporting to this runner).
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /# pass 3\b/);
    return run.stdout;
  }

  it('writes a plugin and a conversation test that passes as generated', () => {
    const r = scaffoldPlugin('greeter', dir);
    assert.deepEqual(r.files, [join('plugins', 'greeter', 'index.ts'), join('test', 'plugins', 'greeter.test.ts')]);
    assert.match(passingTest(dir, 'greeter'), /# fail 0\b/);
  });

  it('refuses bad names and existing files', () => {
    assert.throws(() => scaffoldPlugin('Bad Name', dir), /kebab-case/);
    assert.throws(() => scaffoldPlugin('greeter', dir), /already exists/);
  });

  it('the complete example of docs/plugins.md passes its own test', () => {
    const doc = readFileSync(join(root, 'docs', 'plugins.md'), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const plugin = blocks.find((b) => b.includes("name: 'counter'"));
    const test = blocks.find((b) => b.includes("describe('plugin counter'"));
    assert.ok(plugin && test, 'the guide has the example plugin and its test');
    const ex = join(dir, 'doc-example');
    mkdirSync(join(ex, 'plugins', 'counter'), { recursive: true });
    mkdirSync(join(ex, 'test', 'plugins'), { recursive: true });
    writeFileSync(join(ex, 'plugins', 'counter', 'index.ts'), plugin);
    writeFileSync(join(ex, 'test', 'plugins', 'counter.test.ts'), test);
    passingTest(ex, 'counter');
  });
});
