/**
 * What a heap snapshot holds, by kind of object (issue 17): self size and count per node type and
 * constructor name, and, given a second snapshot, what grew between them. Reads the snapshots the
 * memory benchmark writes with BENCH_HEAP_SNAPSHOT=<dir> (or any .heapsnapshot).
 *
 * Run: node --import tsx bench/memory/snapshot-table.ts <before.heapsnapshot> [<after.heapsnapshot>] [top=30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Row {
  count: number;
  bytes: number;
}

/** Self size and count per "type: name" (strings grouped as one row, code and arrays by type). */
export function tally(file: string): Map<string, Row> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const stride = fields.length;
  const at = { type: fields.indexOf('type'), name: fields.indexOf('name'), size: fields.indexOf('self_size') };
  const out = new Map<string, Row>();
  for (let i = 0; i < s.nodes.length; i += stride) {
    const type = types[s.nodes[i + at.type]!]!;
    const name = s.strings[s.nodes[i + at.name]!]!;
    const key = type === 'object' || type === 'closure' || type === 'hidden' || type === 'native' ? `${type}: ${name.slice(0, 60)}` : type;
    const row = out.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += s.nodes[i + at.size]!;
    out.set(key, row);
  }
  return out;
}

const MiB = 1048576;
const [before, after, topArg] = process.argv.slice(2);
if (!before) throw new Error('usage: snapshot-table.ts <before.heapsnapshot> [<after.heapsnapshot>] [top]');
const top = Number(topArg ?? 30);
const a = tally(before);
const b = after ? tally(after) : undefined;
const total = (m: Map<string, Row>): number => [...m.values()].reduce((x, r) => x + r.bytes, 0);
const keys = new Set([...a.keys(), ...(b?.keys() ?? [])]);
const rows = [...keys].map((k) => {
  const x = a.get(k) ?? { count: 0, bytes: 0 };
  const y = b?.get(k) ?? x;
  return { k, x, y, grew: y.bytes - x.bytes };
});
rows.sort((p, q) => (b ? q.grew - p.grew : q.x.bytes - p.x.bytes));
console.log(`total self size: ${(total(a) / MiB).toFixed(1)} MiB${b ? ` → ${(total(b) / MiB).toFixed(1)} MiB` : ''}`);
console.log(b ? '| grew MiB | count before → after | MiB after | kind |' : '| MiB | count | kind |');
console.log(b ? '|---:|---:|---:|---|' : '|---:|---:|---|');
for (const r of rows.slice(0, top)) {
  if (b) console.log(`| ${(r.grew / MiB).toFixed(2)} | ${r.x.count} → ${r.y.count} | ${(r.y.bytes / MiB).toFixed(2)} | ${r.k} |`);
  else console.log(`| ${(r.x.bytes / MiB).toFixed(2)} | ${r.x.count} | ${r.k} |`);
}
