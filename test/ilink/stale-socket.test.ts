/**
 * The iLink client's HTTP on a real 127.0.0.1 server that closes kept-alive sockets: a call that
 * went out on a reused socket the server dropped before answering is sent once more on a new
 * socket (the server never saw it), as the web client does; a reset of a call on a NEW socket is
 * not sent again (the server may have acted on it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { IlinkHttp } from '../../src/ilink/http.js';
import { ResumingAgent } from '../../src/transport/resuming-agent.js';
import { isTransportError } from '../../src/transport/errors.js';
import { ScriptedServer } from './helpers/scripted-server.js';

describe('iLink HTTP: a kept-alive socket closed under a call', () => {
  let server: ScriptedServer;
  const agents = { http: new Agent({ keepAlive: true }), https: new ResumingAgent({ keepAlive: true }) };
  const http = new IlinkHttp({ version: '1.0.0', agents });
  http.setToken('token');

  before(async () => {
    server = await new ScriptedServer().start();
  });
  after(async () => {
    agents.http.destroy();
    await server?.close();
  });

  it('sends a call again when its reused socket was dropped before any answer, and only then', async () => {
    // The server drops a socket as its second request arrives: what a server closing an idle
    // kept-alive socket looks like from a client that reused it at that moment.
    const served = new WeakMap<object, number>();
    const seen: string[] = [];
    server.on('ilink/bot/getupdates', (call, req) => {
      seen.push(call.body.get_updates_buf as string);
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) return { reset: true };
      return { body: { ret: 0, msgs: [], get_updates_buf: `after-${seen.length}` } };
    });
    const poll = (cursor: string) =>
      http.post<{ ret: number; get_updates_buf: string }>(server.origin, 'ilink/bot/getupdates', { get_updates_buf: cursor }, { timeoutMs: 10_000 });
    const first = await poll('c0');
    assert.equal(first.empty ? undefined : first.body.get_updates_buf, 'after-1');
    const second = await poll('c1');
    assert.equal(second.empty ? undefined : second.body.get_updates_buf, 'after-3', 'answered on a new socket');
    assert.deepEqual(seen, ['c0', 'c1', 'c1'], 'the first, the one on the dropped socket, and its second sending');

    // A reset on a NEW connection may have reached the server: not sent again.
    seen.length = 0;
    server.on('ilink/bot/getupdates', (call) => {
      seen.push(call.body.get_updates_buf as string);
      return { reset: true };
    });
    agents.http.destroy(); // no kept-alive socket left: the next call opens one
    await assert.rejects(poll('c2'), (e: unknown) => isTransportError(e) && e.kind === 'network' && /getupdates/.test(e.message));
    assert.deepEqual(seen, ['c2']);
  });
});
