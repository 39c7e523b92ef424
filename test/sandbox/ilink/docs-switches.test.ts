/**
 * docs/sandbox.md documents every [uncertain] switch of the iLink sandbox with its default and its
 * other values, as the code has them; and every [uncertain] item of ../shared/ilink.md §9 has a
 * switch or an option in src/sandbox/ilink/options.ts (which cites the item as §9.N).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/util/paths.js';
import { DEFAULT_SWITCHES, SWITCH_VALUES } from '../../../src/sandbox/ilink/options.js';

const root = packageRoot();
const read = (...p: string[]): string => readFileSync(join(root, ...p), 'utf8');

/** The rows of the markdown table under `heading`: cells without the outer pipes. */
function tableUnder(md: string, heading: string): string[][] {
  const start = md.indexOf(heading);
  assert.ok(start >= 0, `docs/sandbox.md has "${heading}"`);
  const rows: string[][] = [];
  for (const line of md.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|') || /^\|[-| ]+\|$/.test(line)) continue;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows.slice(1); // without the header row
}

const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);

describe('docs/sandbox.md: the iLink [uncertain] switches', () => {
  const rows = tableUnder(read('docs', 'sandbox.md'), '### iLink switches for [uncertain] behaviour');

  it('has one row per switch (a pair shares a row), 33 rows in all, and no switch the code lacks', () => {
    const documented = rows.flatMap((r) => ticked(r[0]!));
    assert.deepEqual([...documented].sort(), Object.keys(DEFAULT_SWITCHES).sort());
    assert.equal(rows.length, 33);
    for (const r of rows) assert.ok(r[3] && r[3].length > 10, `a reason for the default of ${r[0]}`);
  });

  for (const [name, value] of Object.entries(DEFAULT_SWITCHES)) {
    it(`${name}: the default ${JSON.stringify(value)} and every other value are written down`, () => {
      const row = rows.find((r) => ticked(r[0]!).includes(name))!;
      const names = ticked(row[0]!);
      // "`duplicates`, `duplicateDelayMs`" pairs with "`off`, 2000".
      const defaults = row[1]!.split(',').map((d) => d.trim().replace(/^`|`$/g, ''));
      assert.equal(defaults.length, names.length, `one default per switch in "${row[1]}"`);
      assert.equal(defaults[names.indexOf(name)], String(value));
      for (const other of (SWITCH_VALUES[name as keyof typeof SWITCH_VALUES] ?? []).filter((v) => v !== value)) {
        assert.ok(ticked(row[2]!).includes(other), `${name}'s value ${other} is listed in "${row[2]}"`);
      }
    });
  }
});

describe('../shared/ilink.md §9: every [uncertain] item has a switch or an option', () => {
  it('options.ts cites each [uncertain] item of §9 as §9.N', () => {
    const spec = read('..', 'shared', 'ilink.md');
    const section = spec.slice(spec.indexOf('## 9. '), spec.indexOf('## 9b.'));
    const uncertain = section
      .split('\n')
      .filter((l) => /^\d+\. /.test(l) && l.includes('[uncertain'))
      .map((l) => Number(/^(\d+)\./.exec(l)![1]));
    assert.ok(uncertain.length >= 25, `found ${uncertain.length} [uncertain] items`);
    const cited = new Set([...read('src', 'sandbox', 'ilink', 'options.ts').matchAll(/§9\.(\d+)/g)].map((m) => Number(m[1])));
    assert.deepEqual(
      uncertain.filter((n) => !cited.has(n)),
      [],
      'items of §9 marked [uncertain] with no switch or option',
    );
  });
});
