/** UTC days (YYYY-MM-DD), the key of the daily statistics. */

// The last day computed and where it starts: every message asks, and nearly always for the same day.
// A cache of a pure function, so sharing it between accounts shares nothing that could differ.
let lastDay = { start: 0, end: 0, day: '' };

/** The UTC day of a timestamp, as the stats key: `dayOf(Date.UTC(2026, 0, 2)) === '2026-01-02'`. */
export function dayOf(ms: number): string {
  if (ms >= lastDay.start && ms < lastDay.end) return lastDay.day;
  const start = Math.floor(ms / 86_400_000) * 86_400_000;
  lastDay = { start, end: start + 86_400_000, day: new Date(start).toISOString().slice(0, 10) };
  return lastDay.day;
}
