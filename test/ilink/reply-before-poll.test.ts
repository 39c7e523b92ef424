// Issue 17 (latency), iLink: the reply to a lone message goes to WeChat before the client's next
// getupdates, as on the web protocol (test/bot/reply-before-poll.test.ts). The whole path runs as a user
// runs it (AccountManager, bot, SQLite, echo plugin, iLink client) against the sandbox's iLink server,
// which records the order in which the requests reach it (Node's HTTP diagnostics channels, in this
// process). Before, the next getupdates went out as soon as the answer's messages were announced, while
// the bot was still storing them, and the server took it in before the reply.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { plugin as echo } from '../../plugins/echo/index.js';
import { createConversation, type Conversation } from '../../src/testing/conversation.js';
import { testStoreKind } from '../helpers/store.js';
import { accountClient } from './helpers/clients.js';

/** What reached the server, in order: a request arrived (headers read) or its answer was written. */
interface Mark {
  endpoint: string;
  kind: 'arrived' | 'answered';
}

const endpointOf = (url: string | undefined): string => {
  const path = (url ?? '').split('?', 1)[0]!;
  return path.slice(path.lastIndexOf('/') + 1);
};

describe('iLink: a lone message’s reply and the next getupdates', () => {
  let sb: RunningSandbox | undefined;
  let chat: Conversation | undefined;
  const marks: Mark[] = [];
  const arrived = ({ request }: { request: IncomingMessage }): void => void marks.push({ endpoint: endpointOf(request.url), kind: 'arrived' });
  const answered = ({ request }: { request: IncomingMessage }): void => void marks.push({ endpoint: endpointOf(request.url), kind: 'answered' });
  after(async () => {
    dc.unsubscribe('http.server.request.start', arrived as (m: unknown) => void);
    dc.unsubscribe('http.server.response.finish', answered as (m: unknown) => void);
    await chat?.close();
    await sb?.close();
  });

  // SQLite only: the reply goes within the turn because SQLite's COMMIT does; PostgreSQL's is a round trip after it.
  const skip = testStoreKind === 'postgres' && 'on PostgreSQL the COMMIT, and so the reply, comes after the turn';
  it('the reply reaches WeChat before the getupdates that follows the one that brought the message', { skip }, async () => {
    const up = (sb = await startSandbox({ contacts: 2, rooms: 0, rateLimits: false, ilink: { pollHoldMs: 5000, longPollTimeoutMs: 5000 } }));
    chat = await createConversation({
      plugins: [echo],
      enable: ['echo'],
      ilink: { control: up.ilink.control, createTransport: () => accountClient(up.origin) },
    });
    dc.subscribe('http.server.request.start', arrived as (m: unknown) => void);
    dc.subscribe('http.server.response.finish', answered as (m: unknown) => void);
    for (const text of ['first alone', 'second alone', 'third alone', 'fourth alone']) {
      // Each one alone in its answer, the client idle in a held getupdates.
      await chat.idle();
      const from = marks.length;
      await chat.shouldReply(text, text);
      // The first reply after the message went in, and the last getupdates answered before it: the one that brought it.
      const seen = marks.slice(from);
      const reply = seen.findIndex((m) => m.endpoint === 'sendmessage' && m.kind === 'arrived');
      assert.ok(reply > 0, `the reply to "${text}" reached the server`);
      const brought = seen.slice(0, reply).findLastIndex((m) => m.endpoint === 'getupdates' && m.kind === 'answered');
      assert.ok(brought >= 0, `a getupdates brought "${text}"`);
      const polls = seen.slice(brought, reply).filter((m) => m.endpoint === 'getupdates' && m.kind === 'arrived');
      assert.equal(polls.length, 0, `a getupdates reached the server before the reply to "${text}"`);
    }
  });
});
