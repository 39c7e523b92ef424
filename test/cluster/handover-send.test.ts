// A send in flight when its account moves to another node (a SIGTERM handover: `release` here, as the
// coordinator calls it, then `runHere` on the taker) goes out once. The sandbox journals the send and its
// answer is held on the wire by a proxy, as a slow link holds it.
//
// - The answer comes while the leaving node stops: the node waits for it before it stops the transport
//   (web: stopping the transport closed its sockets under the send; iLink: the stop aborted the call),
//   records the row sent, and the taker sends nothing. Before, the web row was left queued with no mark
//   of its hand-over and the taker sent it again; the iLink row was failed although WeChat had it.
// - The answer never comes (the node stops the transport under the call after its grace): the web taker
//   finds WeChat's echo of the send and does not send it again. iLink has no echo: the taker sends it
//   again (at least once, docs/api.md "What a send promises"), and the row ends sent, not failed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/logger.js';
import { waitUntil } from '../../src/testing/wait.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { createWebTransport } from '../../src/protocol/index.js';
import type { TransportKind } from '../../src/transport/capabilities.js';
import { openTestStore } from '../helpers/store.js';
import { leaseCluster } from '../helpers/lease-cluster.js';
import { FAST } from '../helpers/fast.js';
import { HoldingProxy } from '../helpers/holding-proxy.js';
import { accountClient } from '../ilink/helpers/clients.js';

const WAIT = 60_000;
/** A grace longer than any test here: the leaving node waits for its send's answer however loaded the machine is. */
const PATIENT_MS = 60_000;

describe('handover: a send in flight when the account moves', () => {
  let sb: RunningSandbox;
  const proxy = new HoldingProxy();
  let store: Store;
  let dir: string;
  const managers: AccountManager[] = [];

  before(async () => {
    sb = await startSandbox({
      accounts: 4,
      contacts: 1,
      officials: 0,
      rooms: 0,
      holdMs: 300,
      autoScanMs: 10,
      autoConfirmMs: 10,
      rateLimits: false,
      ilink: { pollHoldMs: 200, longPollTimeoutMs: 1000, autoConfirmMs: 10 },
    });
    await proxy.start(sb.origin);
    dir = mkdtempSync(join(tmpdir(), 'w-handover-send-'));
    store = await openTestStore({ dataDir: dir });
  });
  after(async () => {
    for (const m of managers) await m.stopAll();
    await proxy.close();
    await sb.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A node: its manager, its writes fenced by `held()` (the coordinator's lease), its transports through the proxy. */
  function node(kind: TransportKind, held: () => boolean, sendStopGraceMs: number): AccountManager {
    const m = new AccountManager({
      store,
      cluster: leaseCluster(held),
      log: silentLogger(),
      createTransport: (id) =>
        kind === 'web' ? createWebTransport({ endpoint: proxy.origin, ...FAST }) : accountClient(proxy.origin, { seen: store.seenKeys(id) }),
      pluginRegistry: new PluginRegistry([]),
      sendPacing: 'off',
      autoRelogin: false,
      sendStopGraceMs,
    });
    managers.push(m);
    return m;
  }

  async function online(m: AccountManager, id: string): Promise<void> {
    await m.runHere(id);
    await waitUntil(
      () =>
        m.get(id)?.info().state === 'online' &&
        m
          .get(id)!
          .directory.contacts()
          .some((c) => c.kind === 'friend'),
      WAIT,
      `${id} online`,
    );
  }

  /** How often the sandbox took `text` from any account (web journal, iLink deliveries). */
  async function copies(text: string): Promise<number> {
    const web = (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
    const ilink = (await sb.ilink.control.sent()).messages.filter((m) => m.decision === 'delivered' && m.items.some((i) => i.text === text)).length;
    return web + ilink;
  }

  /**
   * Send `text` on node a, hold its answer, hand the account over to node b, and let b run it until the row
   * settles. `late`: the answer goes on to node a while it stops (as soon as a shows it goes on with its loops,
   * or right away should it have hung up); else it never comes.
   */
  async function sendAcrossHandover(kind: TransportKind, text: string, o: { late: boolean; graceMs: number }) {
    const id = (await store.accounts.create({ name: text, transport: kind })).id;
    let holder: 'a' | 'b' = 'a';
    const a = node(kind, () => holder === 'a', o.graceMs);
    await store.fences.raise(id, 1, 1000);
    await online(a, id);
    const bot = a.get(id)!;
    const peer = bot.directory.contacts().find((c) => c.kind === 'friend')!;
    if (kind === 'ilink') {
      // iLink answers only a user who wrote (their context token).
      const owner = [...sb.ilink.state.bots.values()].at(-1)!.userId;
      await sb.ilink.control.sendMessage({ user: owner, text: `hello ${text}` });
      await waitUntil(async () => (await store.messages.list(id)).items.some((m) => m.text === `hello ${text}`), WAIT, 'the owner’s message stored');
    }
    const held = proxy.hold(kind === 'web' ? /\/webwxsendmsg/ : /\/sendmessage/);
    const row = await bot.send({ id: peer.id }, { type: 'text', text });
    await held.arrived;
    assert.equal(await copies(text), 1, 'WeChat has the send');
    const releasing = a.release(id);
    if (o.late) {
      await Promise.race([proxy.next(kind === 'web' ? /\/synccheck|\/webwxsync/ : /\/getupdates/), held.gone]);
      held.release();
    }
    await releasing;
    held.release();
    const atRelease = (await store.outbound.get(row.id))!.status;
    holder = 'b';
    const b = node(kind, () => holder === 'b', o.graceMs);
    await online(b, id);
    let settled: Awaited<ReturnType<Store['outbound']['get']>>;
    await waitUntil(async () => ['sent', 'failed'].includes((settled = await store.outbound.get(row.id))?.status ?? ''), WAIT, 'the row settled');
    await b.get(id)!.queue.idle();
    const n = await copies(text);
    await b.stopAll();
    return { atRelease, row: settled!, copies: n };
  }

  it('web, answered while the node stops: it waits for the answer, records the send, and the taker sends nothing', async () => {
    const { atRelease, row, copies } = await sendAcrossHandover('web', 'web answered late', { late: true, graceMs: PATIENT_MS });
    assert.equal(atRelease, 'sent', 'recorded sent by the leaving node, before it let the account go');
    assert.equal(row.status, 'sent');
    assert.equal(copies, 1, 'sent once');
  });

  it('web, never answered: the leaving node cuts the call; the taker finds its echo and does not send it again', async () => {
    const { row, copies } = await sendAcrossHandover('web', 'web never answered', { late: false, graceMs: 0 });
    assert.equal(row.status, 'sent');
    assert.ok(row.wechatId, 'marked sent with the echo’s MsgId');
    assert.equal(copies, 1, 'sent once');
  });

  it('iLink, answered while the node stops: it waits for the answer, records the send, and the taker sends nothing', async () => {
    const { atRelease, row, copies } = await sendAcrossHandover('ilink', 'ilink answered late', { late: true, graceMs: PATIENT_MS });
    assert.equal(atRelease, 'sent', 'recorded sent by the leaving node, before it let the account go');
    assert.equal(row.status, 'sent', `row ${row.status}: ${row.error?.message ?? ''}`);
    assert.equal(copies, 1, 'sent once');
  });

  it('iLink, never answered: no echo can tell, so the taker sends it again (at least once), and the row ends sent', async () => {
    const { row, copies } = await sendAcrossHandover('ilink', 'ilink never answered', { late: false, graceMs: 0 });
    assert.equal(row.status, 'sent', `row ${row.status}: ${row.error?.message ?? ''}`);
    assert.equal(copies, 2, 'the copy WeChat took unanswered, and the taker’s');
  });
});
