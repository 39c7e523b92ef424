/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Preload for the comparison benchmark (BENCH_ECHO_PATH=<file>; run with BENCH_NODE_ARGS="--require <this file>"):
// the client's own share of a single message's latency, in CPU time of its process as well as in wall time, so that
// it can be compared between clients and commits on a loaded machine (CPU time is what the client spends; wall time
// also holds the waits for a core). Only Node's HTTP diagnostics channels are read, so it works for every client
// alike (raw, weiroto, wechat4u) without a change to any of them. Per message, two hops, each from an answer's
// headers (`http.client.response.finish`) to the next request written out (`http.client.request.start`, published
// when the request is flushed to its socket):
//   check → sync: the held synccheck answered → the webwxsync request written;
//   sync → send: the webwxsync answer (carrying the message) → the echo's webwxsendmsg written.
// A cycle (one synccheck answer to the next synccheck request) is appended to <file> as one JSON line only when it
// wrote exactly one webwxsendmsg: a single message, not a burst's sync of a hundred. The append comes after the
// send was written, off the path it measures. bench/compare/echo-path-table.ts prints the medians.
'use strict';
const dc = require('node:diagnostics_channel');
const { appendFileSync } = require('node:fs');
const { basename } = require('node:path');
const { performance } = require('node:perf_hooks');

const file = process.env.BENCH_ECHO_PATH;
if (!file) throw new Error('echo-path.cjs needs BENCH_ECHO_PATH');
const client = basename(process.argv[1] ?? '?');
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const endpoint = (path) => {
  const p = (path ?? '').split('?', 1)[0];
  return p.slice(p.lastIndexOf('/') + 1);
};
/** The marks of the current cycle, as [name, wall ms, cpu ms]; undefined before the first synccheck answer. */
let cycle;
const mark = (name) => cycle?.push([name, performance.now(), cpuMs()]);

dc.subscribe('http.client.response.finish', ({ request }) => {
  const e = endpoint(request.path);
  if (e === 'synccheck') cycle = [['checkAnswered', performance.now(), cpuMs()]];
  else if (e === 'webwxsync') mark('syncAnswered');
});
dc.subscribe('http.client.request.start', ({ request }) => {
  const e = endpoint(request.path);
  if (e === 'webwxsync') mark('syncWritten');
  else if (e === 'webwxsendmsg') mark('sendWritten');
  else if (e === 'synccheck' && cycle) {
    const at = (name) => cycle.find(([n]) => n === name);
    const sends = cycle.filter(([n]) => n === 'sendWritten').length;
    const [a, b, c, d] = ['checkAnswered', 'syncWritten', 'syncAnswered', 'sendWritten'].map(at);
    if (sends === 1 && a && b && c && d && b[1] < c[1] && c[1] < d[1]) {
      const hop = (from, to) => ({ wall: +(to[1] - from[1]).toFixed(3), cpu: +(to[2] - from[2]).toFixed(3) });
      appendFileSync(file, JSON.stringify({ client, pid: process.pid, checkToSync: hop(a, b), syncToSend: hop(c, d) }) + '\n');
    }
    cycle = undefined;
  }
});
