/**
 * The iLink client's deadline and cancel on a real 127.0.0.1 server that holds its answers, as a
 * long poll does: past the call's timeout it ends as an `IlinkTimeoutError` (the poll loop then asks
 * again), an abort of the caller's signal ends it with the caller's reason, and neither costs an
 * AbortSignal per call. `AbortSignal.timeout` and `AbortSignal.any` are held through WeakRefs,
 * which V8 clears only in a full collection: made for every long poll, they outlived the young
 * generation and filled the old one of an idle process with 1,000 accounts (issue 17).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { IlinkHttp, IlinkTimeoutError } from '../../src/ilink/http.js';
import { ResumingAgent } from '../../src/transport/resuming-agent.js';
import { waitUntil } from '../../src/testing/wait.js';
import { ScriptedServer } from './helpers/scripted-server.js';

describe('iLink HTTP: a held call', () => {
  let server: ScriptedServer;
  const agents = { http: new Agent({ keepAlive: true }), https: new ResumingAgent({ keepAlive: true }) };

  before(async () => {
    server = await new ScriptedServer().start();
    server.on('ilink/bot/getupdates', () => ({ hang: true }));
  });
  after(async () => {
    agents.http.destroy();
    await server?.close();
  });

  const poll = (http: IlinkHttp, o: { timeoutMs: number; signal?: AbortSignal }) =>
    http.post<{ ret: number }>(server.origin, 'ilink/bot/getupdates', { get_updates_buf: 'c' }, o);
  /** Polls the server holds, unanswered. */
  const held = () => server.calls('ilink/bot/getupdates').length;

  /** Count the signals made by AbortSignal.timeout and AbortSignal.any while `body` runs. */
  async function countSignals(body: () => Promise<void>): Promise<number> {
    const { timeout, any } = AbortSignal;
    let made = 0;
    AbortSignal.timeout = (ms) => (made++, timeout.call(AbortSignal, ms));
    AbortSignal.any = (signals) => (made++, any.call(AbortSignal, signals));
    try {
      await body();
    } finally {
      AbortSignal.timeout = timeout;
      AbortSignal.any = any;
    }
    return made;
  }

  it('ends at its deadline as a timeout, and at an abort with the caller’s reason, making no AbortSignal', async () => {
    const http = new IlinkHttp({ version: '1.0.0', agents });
    http.setToken('token');
    const made = await countSignals(async () => {
      const started = Date.now();
      await assert.rejects(poll(http, { timeoutMs: 150 }), (e: unknown) => e instanceof IlinkTimeoutError && /no answer within 150 ms/.test(e.message));
      assert.ok(Date.now() - started >= 140, 'not before its deadline');

      const stop = new AbortController();
      const reason = new Error('stopping');
      const before = held();
      const call = poll(http, { timeoutMs: 60_000, signal: stop.signal });
      await waitUntil(() => held() > before, 10_000, 'the call held by the server');
      stop.abort(reason);
      await assert.rejects(call, (e: unknown) => e === reason);
    });
    assert.equal(made, 0, 'no AbortSignal.timeout or AbortSignal.any for a call');
  });

  it('keeps the same deadline through an injected fetch', async () => {
    const http = new IlinkHttp({ version: '1.0.0', agents, fetch });
    http.setToken('token');
    await assert.rejects(poll(http, { timeoutMs: 150 }), (e: unknown) => e instanceof IlinkTimeoutError);
  });
});
