/**
 * One iLink account handed from one client to the next (a node leaving, a failover), against the
 * sandbox: what the server handed out is received, and sends carry the newest context token.
 *  - A stop lets a poll whose answer is on the wire land (`updatesLatencyMs`): under `server-ack` the
 *    server counted those messages consumed when it answered, so a cut poll loses them for good.
 *  - A client resumed from a saved session waits for its first poll before sending: the owner wrote
 *    while nobody polled, and the token of that message supersedes the saved one (`latest-only`).
 *  - A copy of a message the previous client handled (replayed from an older cursor) still brings
 *    its token, though the message itself is not handed over again.
 *  - Each request of a long text carries the token held when it leaves: the owner writing between
 *    two pieces supersedes the token the first one went with.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { IlinkOptions } from '../../src/sandbox/ilink/options.js';
import { IlinkTransport, memorySeenStore, type SeenStore } from '../../src/ilink/index.js';
import type { Message } from '../../src/transport/model.js';
import type { SessionSnapshot } from '../../src/transport/transport.js';
import { waitUntil } from '../../src/testing/wait.js';
import { systemClock, type Clock } from '../../src/util/clock.js';

const WAIT = 20_000;
/** The pause between two pieces of a long text (one test sends one, in pieces of 10 characters). */
const PIECE_PAUSE_MS = 777;

let sb: RunningSandbox | undefined;
const clients: IlinkTransport[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((t) => t.stop()));
  await sb?.close();
  sb = undefined;
});

function client(origin: string, o: { seen?: SeenStore; clock?: Clock; chunkLimit?: number } = {}): { t: IlinkTransport; got: Message[] } {
  const t = new IlinkTransport({
    baseUrl: origin,
    cdnUrl: `${origin}/c2c`,
    version: '0.1.0',
    seen: o.seen ?? memorySeenStore(),
    clock: o.clock ?? systemClock,
    tuning: { chunkGapMs: PIECE_PAUSE_MS, ...(o.chunkLimit && { chunkLimit: o.chunkLimit }) },
    qr: { pollIntervalMs: 20 },
  });
  const got: Message[] = [];
  t.on('message', (m) => got.push(m));
  clients.push(t);
  return { t, got };
}

/** A sandbox, and a client bound by QR that has received one message from its owner (it holds a token). */
async function boundClient(
  ilink: IlinkOptions,
  o: { clock?: Clock; chunkLimit?: number } = {},
): Promise<{ sb: RunningSandbox; first: ReturnType<typeof client>; owner: string }> {
  sb = await startSandbox({
    accounts: 1,
    contacts: 1,
    officials: 0,
    rooms: 0,
    ilink: { autoConfirmMs: 10, pollHoldMs: 300, longPollTimeoutMs: 1000, ...ilink },
  });
  const first = client(sb.origin, o);
  await first.t.start();
  const owner = first.t.owner!.id;
  await sb.ilink.control.sendMessage({ user: owner, text: 'hello' });
  await waitUntil(() => first.got.length === 1, WAIT, 'the first message');
  return { sb, first, owner };
}

/** The server's decision on the bot's send of `text`. */
async function decisionOn(s: RunningSandbox, text: string): Promise<string> {
  const entry = (await s.ilink.control.sent()).messages.find((m) => m.items.some((i) => i.text === text));
  return entry ? (entry.decision === 'delivered' ? 'delivered' : `refused: ${entry.reason}`) : 'not sent';
}

describe('iLink handover: what the server handed out, and the newest token', () => {
  it('stop: a poll whose answer is on the wire lands, and its messages are handed over before stop() resolves (server-ack)', async () => {
    const { sb: s, first, owner } = await boundClient({ updatesLatencyMs: 400 });
    const bot = [...s.ilink.state.bots.values()].at(-1)!;
    const handed = bot.handedOut;
    await s.ilink.control.sendMessage({ user: owner, text: 'on the wire at stop' });
    // The server has answered the held poll (the message is consumed); its answer is still on the way.
    await waitUntil(() => bot.handedOut > handed, WAIT, 'the message handed out');
    await first.t.stop();
    assert.deepEqual(
      first.got.map((m) => m.text),
      ['hello', 'on the wire at stop'],
      'the message the server handed out was received, not cut off with the poll',
    );
  });

  it('a client resumed from a saved session sends with the token of a message that waited for it, not the saved one', async () => {
    const { sb: s, first, owner } = await boundClient({ updatesLatencyMs: 300, tokenValidity: 'latest-only' });
    await first.t.stop();
    const saved = first.t.serialize() as SessionSnapshot;
    // The owner writes while nobody polls: its token supersedes the saved one.
    await s.ilink.control.sendMessage({ user: owner, text: 'while nobody polled' });
    const next = client(s.origin);
    await next.t.start({ session: saved });
    await next.t.sendText(owner, 'queued before the handover');
    assert.equal(await decisionOn(s, 'queued before the handover'), 'delivered');
    await waitUntil(() => next.got.some((m) => m.text === 'while nobody polled'), WAIT, 'the waiting message');
  });

  it('a copy of a message the previous client handled brings its token (cursor-replay from an older saved cursor)', async () => {
    const { sb: s, first, owner } = await boundClient({ cursorMode: 'cursor-replay', tokenValidity: 'latest-only' });
    // Saved after the first message; the second one is handled (its keys stored) but the session is not saved again (a crash).
    const saved = first.t.serialize() as SessionSnapshot;
    await s.ilink.control.sendMessage({ user: owner, text: 'handled, session not saved' });
    await waitUntil(() => first.got.length === 2, WAIT, 'the second message');
    const seen = memorySeenStore();
    const keys = first.t.deliveryKeys(first.got[1]!)!;
    await seen.remember(keys.keys, keys.at);
    await first.t.stop();
    const next = client(s.origin, { seen });
    await next.t.start({ session: saved });
    await next.t.sendText(owner, 'after the crash');
    assert.equal(await decisionOn(s, 'after the crash'), 'delivered');
    assert.equal(next.got.length, 0, 'the copy was not handed over again');
  });

  it('each piece of a long text carries the token held when it leaves, not the one the text was reserved with', async () => {
    // The pause between two pieces ends when the test says.
    let endPause: () => void = () => {};
    const paused = new Promise<void>((resolve) => (endPause = resolve));
    let pausing = false;
    const clock: Clock = { ...systemClock, sleep: (ms, signal) => (ms === PIECE_PAUSE_MS ? ((pausing = true), paused) : systemClock.sleep(ms, signal)) };
    const { sb: s, first, owner } = await boundClient({ tokenValidity: 'latest-only' }, { clock, chunkLimit: 10 });
    const sending = first.t.sendText(owner, 'piece one\n\npiece two');
    await waitUntil(() => pausing, WAIT, 'the first piece sent');
    await s.ilink.control.sendMessage({ user: owner, text: 'between the pieces' });
    await waitUntil(() => first.got.length === 2, WAIT, 'the message between the pieces');
    endPause();
    await sending;
    assert.equal(await decisionOn(s, 'piece one'), 'delivered');
    assert.equal(await decisionOn(s, 'piece two'), 'delivered', 'the second piece went with the newer token');
  });
});
