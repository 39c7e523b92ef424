// dayOf keys the daily statistics: UTC days, right at both edges of a day, in any order of calls.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dayOf } from '../../src/util/day.js';

describe('dayOf', () => {
  it('answers the UTC day at the edges, whatever was asked before', () => {
    const midnight = Date.UTC(2026, 10, 21);
    const cases: [number, string][] = [
      [midnight, '2026-11-21'],
      [midnight - 1, '2026-11-20'],
      [midnight + 86_400_000 - 1, '2026-11-21'],
      [midnight + 86_400_000, '2026-11-22'],
      [midnight - 1, '2026-11-20'],
      [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
      [midnight + 5, '2026-11-21'],
    ];
    for (const [ms, day] of cases) assert.equal(dayOf(ms), day, new Date(ms).toISOString());
  });
});
