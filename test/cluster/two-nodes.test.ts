// Two `weiroto start` processes on one PostgreSQL database and one redis-server (both real), against
// the sandbox: each account runs on exactly one node (its lease holder), the accounts are spread
// evenly, SIGTERM hands a node's accounts over at once, and after kill -9 the other node takes them
// when their leases expire, resuming each from the stored session (no new QR) and answering the
// messages that arrived meanwhile once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { clusterEnv, accountsOn, createAccount, load, settledPlacement, startNode, type ClusterEnv, type ClusterNode } from './helpers/nodes.js';

const LEASE_TTL_MS = 6000;
const ACCOUNTS = 4;
const WAIT = CHILD_TEST_TIMEOUT_MS;

describe('two nodes: leases, spread, handover, failover', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  let redis: RedisServer;
  let sb: RunningSandbox;
  let env: ClusterEnv;
  const nodes: ClusterNode[] = [];
  const ids: string[] = [];
  let qrs = 0;

  const node = (name: string) => nodes.find((n) => n.name === name)!;
  const live = () => nodes.filter((n) => n.proc.child.exitCode === null && n.proc.child.signalCode === null);
  /** Every QR code the sandbox made (a scan or a push login needs one; a restored session does not). */
  const qrCount = async () => (await sb.control.state()).counters.qrcodes!;

  /** Each account online on exactly one live node, that node holding its lease; returns node → accounts. */
  const settled = () => settledPlacement(live(), redis.client, ids);

  /** The sandbox account (and a friend of it) behind a weiroto account, by the account's own name. */
  async function sandboxSide(on: ClusterNode, id: string): Promise<{ account: string; friend: string }> {
    const self = (await accountsOn(on)).find((a) => a.id === id)?.self?.name;
    const acc = (await sb.control.state()).accounts.find((a) => a.nickname === self)!;
    return { account: acc.id, friend: acc.friends.find((f) => f.kind === 'friend')!.nickname };
  }

  before(async () => {
    redis = await startRedis();
    sb = await startSandbox({ accounts: ACCOUNTS, contacts: 3, officials: 0, rooms: 0, holdMs: 1000, rateLimits: false });
    env = await clusterEnv({ redisUrl: redis.url, sandboxOrigin: sb.origin, leaseTtlMs: LEASE_TTL_MS });
    nodes.push(await startNode('node-a', env));
    nodes.push(await startNode('node-b', env));
  });

  after(async () => {
    for (const n of live()) n.proc.child.kill('SIGKILL');
    await sb?.close();
    await redis?.stop();
  });

  it('runs each account on one node, the holder of its lease, two accounts per node', async () => {
    // Each QR is scanned by its own sandbox account (two scans at once must not pick the same phone).
    for (let i = 0; i < ACCOUNTS; i++) {
      ids.push(await createAccount(node('node-a'), `acc ${i}`));
      let qr: { uuid: string } | undefined;
      await waitUntil(async () => (qr = (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting')) !== undefined, WAIT, 'a QR');
      await sb.control.scan({ uuid: qr!.uuid, account: String(i) });
      await sb.control.confirm({ uuid: qr!.uuid });
    }
    let spreadNow: Map<string, string[]> | undefined;
    await waitUntil(async () => (spreadNow = await settled()) !== undefined && spreadNow.size === 2, WAIT, 'every account online on one node');
    assert.deepEqual(
      [...spreadNow!.values()].map((a) => a.length),
      [2, 2],
    );
    qrs = await qrCount();
    assert.equal(qrs, ACCOUNTS, 'one scan per account, once');
  });

  it("SIGTERM: the leaving node's accounts run on the other within 5 s, from their sessions (no QR)", async () => {
    const b = node('node-b');
    const moving = (await settled())!.get('node-b')!;
    const t0 = Date.now();
    b.stopping = true;
    b.proc.child.kill('SIGTERM');
    await waitUntil(async () => (await settled())?.get('node-a')?.length === ACCOUNTS, WAIT, "node-b's accounts online on node-a");
    const handover = Date.now() - t0;
    console.log(`handover after SIGTERM: ${moving.length} accounts online on node-a ${handover} ms after the signal (load ${load()})`);
    assert.ok(handover < 5000, `handover took ${handover} ms`);
    const [code] = await b.proc.exited;
    assert.equal(code, 0, b.proc.err());
    assert.equal(await qrCount(), qrs, 'no new QR: restored from the stored sessions');
  });

  it('a node that joins takes its share: the other releases its surplus', async () => {
    nodes.push(await startNode('node-c', env));
    await waitUntil(async () => (await settled())?.get('node-c')?.length === ACCOUNTS / 2, WAIT, 'node-c to run its share');
    assert.equal((await settled())!.get('node-a')!.length, ACCOUNTS / 2);
    assert.equal(await qrCount(), qrs, 'moving an account needs no scan');
  });

  it('kill -9: the accounts move when their leases expire, resume without a scan, and what arrived meanwhile is answered once', async () => {
    const c = node('node-c');
    const victims = (await settled())!.get('node-c')!;
    const sides = await Promise.all(victims.map((id) => sandboxSide(c, id)));
    const t0 = Date.now();
    c.proc.child.kill('SIGKILL');
    await c.proc.exited;
    const texts = sides.map((_, i) => `while the node was dead ${i}`);
    for (const [i, s] of sides.entries()) await sb.control.sendMessage({ account: s.account, from: s.friend, text: texts[i]! });
    await waitUntil(async () => (await settled())?.get('node-a')?.length === ACCOUNTS, WAIT, "node-c's accounts online on node-a");
    const failover = Date.now() - t0;
    console.log(
      `failover after kill -9: ${victims.length} accounts online on node-a ${failover} ms after the kill (LEASE_TTL_MS ${LEASE_TTL_MS}, load ${load()})`,
    );
    assert.ok(failover < 30_000, `failover took ${failover} ms`);
    assert.equal(await qrCount(), qrs, 'no new QR: resumed from the stored sessions');
    // Each message is answered (echo), then a last one per account, answered after: nothing answered twice before it.
    const echoes = async (text: string) => (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
    for (const t of texts) await waitUntil(async () => (await echoes(t)) >= 1, WAIT, `the answer to "${t}"`);
    for (const s of sides) await sb.control.sendMessage({ account: s.account, from: s.friend, text: `last for ${s.account}` });
    for (const s of sides) await waitUntil(async () => (await echoes(`last for ${s.account}`)) >= 1, WAIT, 'the last answer');
    for (const t of texts) assert.equal(await echoes(t), 1, `"${t}" answered once`);
  });
});
