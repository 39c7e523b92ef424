/**
 * Reads the statement counts bench/compare/sql-count.cjs wrote and prints the SQLite statements per echo: in all and
 * by statement text, most run first.
 *
 * Run: node --import tsx bench/compare/sql-table.ts <burst size> <pid-sql.json>...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [burstArg, ...files] = process.argv.slice(2);
const burst = Number(burstArg);
if (!Number.isFinite(burst) || burst <= 0 || files.length === 0) throw new Error('usage: sql-table.ts <burst size> <pid-sql.json>...');

for (const file of files) {
  const { total, byText } = JSON.parse(readFileSync(file, 'utf8')) as { total: number; byText: [string, number][] };
  console.log(`${basename(file)}: ${(total / burst).toFixed(2)} statements per echo (${total} in all)`);
  for (const [text, n] of byText) console.log(`${(n / burst).toFixed(3).padStart(8)}  ${text.length > 150 ? `${text.slice(0, 147)}...` : text}`);
  console.log('');
}
