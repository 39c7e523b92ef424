import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { youngGenerationSizedByFlags } from '../../src/util/young-generation.js';

const MODULE = join(import.meta.dirname, '../../src/util/young-generation.ts');

/**
 * A fresh process (V8 flags are per process) that allocates like a burst, with many objects
 * surviving a scavenge, and prints the largest new space it saw, in MiB.
 */
async function largestNewSpaceMiB(capped: boolean, nodeArgs: string[] = []): Promise<number> {
  const script = `
    const { getHeapSpaceStatistics } = await import('node:v8');
    ${capped ? `(await import(${JSON.stringify(MODULE)})).capYoungGeneration(4);` : ''}
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let window = [];
    let largest = 0;
    for (let round = 0; round < 120; round++) {
      for (let i = 0; i < 20000; i++) {
        window.push({ round, i, text: 'message ' + i });
        if (window.length > 150000) window = [];
      }
      largest = Math.max(largest, newSpace());
      await new Promise((r) => setImmediate(r));
    }
    console.log(largest / 1048576);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return Number(stdout.trim());
}

describe('capYoungGeneration', () => {
  it('keeps the new space at two 4 MiB semi-spaces where V8 alone grows it past them', async () => {
    const [alone, capped] = await Promise.all([largestNewSpaceMiB(false), largestNewSpaceMiB(true)]);
    assert.ok(alone > 8, `without the ceiling V8 grew the new space to ${alone} MiB (the burst must make it grow)`);
    assert.ok(capped <= 8, `with the ceiling the new space reached ${capped} MiB`);
  });

  it('leaves the young generation to flags the operator gave', async () => {
    assert.equal(youngGenerationSizedByFlags(['--max-semi-space-size=8'], undefined), true);
    assert.equal(youngGenerationSizedByFlags([], '--max_semi_space_size=2 --enable-source-maps'), true);
    assert.equal(youngGenerationSizedByFlags(['--enable-source-maps'], '--max-old-space-size=512'), false);
    // The operator's 16 MiB stands: the ceiling does not engage.
    assert.ok((await largestNewSpaceMiB(true, ['--max-semi-space-size=16'])) > 8);
  });
});
