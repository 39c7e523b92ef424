// An INI-style file (systemd unit, supervisord section) read into sections of repeated keys, for the
// tests of deploy/. Lines that are neither comments nor key=value inside a section fail the test.
import assert from 'node:assert/strict';

/** Parse an INI-style file (systemd or supervisord): sections of key=value, comments # or ;. */
export function parseIni(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      return;
    }
    const kv = /^([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(line);
    assert.ok(kv && current, `line ${i + 1} is not key=value inside a section: ${raw}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  });
  return sections;
}
