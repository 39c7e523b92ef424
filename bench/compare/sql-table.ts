/**
 * Reads the statement counts bench/compare/sql-count.cjs wrote and prints the SQLite statements per echo: in all and
 * by statement text, most run first, with the wall time in each (µs per echo and per call; files from before the times
 * were kept show 0).
 *
 * Run: node --import tsx bench/compare/sql-table.ts <burst size> <pid-sql.json>...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [burstArg, ...files] = process.argv.slice(2);
const burst = Number(burstArg);
if (!Number.isFinite(burst) || burst <= 0 || files.length === 0) throw new Error('usage: sql-table.ts <burst size> <pid-sql.json>...');

for (const file of files) {
  const { total, byText } = JSON.parse(readFileSync(file, 'utf8')) as { total: number; byText: [string, number, number?][] };
  const us = byText.reduce((sum, [, , t]) => sum + (t ?? 0), 0);
  console.log(`${basename(file)}: ${(total / burst).toFixed(2)} statements per echo (${total} in all), ${(us / burst).toFixed(1)} µs per echo in them`);
  console.log(`${'per echo'.padStart(8)}  ${'µs/echo'.padStart(8)}  ${'µs/call'.padStart(8)}  statement`);
  for (const [text, n, t = 0] of byText) {
    const shown = text.length > 130 ? `${text.slice(0, 127)}...` : text;
    console.log(`${(n / burst).toFixed(3).padStart(8)}  ${(t / burst).toFixed(2).padStart(8)}  ${(t / n).toFixed(1).padStart(8)}  ${shown}`);
  }
  console.log('');
}
