// Sends and webhook deliveries as BullMQ jobs, on real `weiroto start` processes sharing one
// PostgreSQL database and one redis-server, against the sandbox: a send accepted by a node that does
// not run the account is sent by the node that does, once; a node that starts leaves the deliveries
// another live node is making alone; a delivery cut off by kill -9 is made again by another node with
// the same webhook-id and no row stays 'delivering'; a send accepted just before its node is killed is
// sent once by the account's next holder.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { pgRows } from '../helpers/raw-db.js';
import { Receiver } from '../webhook/receiver.js';
import { clusterEnv, accountsOn, createAccount, load, queueText, settledPlacement, startNode, type ClusterEnv, type ClusterNode } from './helpers/nodes.js';

const LEASE_TTL_MS = 6000;
const WAIT = CHILD_TEST_TIMEOUT_MS;

describe('cluster queues: routed sends, webhook deliveries as jobs', { timeout: CHILD_TEST_TIMEOUT_MS * 3 }, () => {
  let redis: RedisServer;
  let sb: RunningSandbox;
  let env: ClusterEnv;
  const hooks = new Receiver();
  const nodes: ClusterNode[] = [];
  const ids: string[] = [];
  /** The first request for `message.received` of each of these texts is answered only once its hold is let go. */
  const holds = new Map<string, { until: Promise<void>; letGo: () => void }>();
  const letGo = () => holds.forEach((h) => h.letGo());

  const node = (name: string) => nodes.find((n) => n.name === name)!;
  const live = () => nodes.filter((n) => n.proc.child.exitCode === null && n.proc.child.signalCode === null);
  const settled = () => settledPlacement(live(), redis.client, ids);
  const sentCount = async (text: string) => (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
  type Row = { seq: number; status: string; attempts: number };
  const row = async (webhookId: string) =>
    (await pgRows<Row>(env.databaseUrl, 'select seq, status, attempts from webhook_deliveries where webhook_id = ?', webhookId))[0]!;
  const requests = (webhookId: string) => hooks.all.filter((r) => r.id === webhookId);

  /** The sandbox account behind a weiroto account and the name of one of its friends. */
  async function sides(on: ClusterNode, id: string): Promise<{ account: string; friend: string }> {
    const self = (await accountsOn(on)).find((a) => a.id === id)?.self?.name;
    const acc = (await sb.control.state()).accounts.find((a) => a.nickname === self)!;
    return { account: acc.id, friend: acc.friends.find((f) => f.kind === 'friend')!.nickname };
  }

  /** The node → accounts placement once each account runs on one of `count` live nodes. */
  async function placedOn(count: number): Promise<Map<string, string[]>> {
    let where: Map<string, string[]> | undefined;
    await waitUntil(async () => (where = await settled()) !== undefined && where.size === count, WAIT, `the accounts spread over ${count} nodes`);
    return where!;
  }

  /** A message to the account whose `message.received` delivery the receiver holds open; returns its webhook-id. */
  async function heldDelivery(on: ClusterNode, account: string, text: string): Promise<string> {
    let go = (): void => {};
    holds.set(text, { until: new Promise<void>((r) => (go = r)), letGo: () => go() });
    const s = await sides(on, account);
    await sb.control.sendMessage({ account: s.account, from: s.friend, text });
    const first = () => hooks.all.find((r) => r.json.type === 'message.received' && r.body.includes(text));
    await waitUntil(async () => first() !== undefined, WAIT, `the delivery of "${text}"`);
    return first()!.id;
  }

  before(async () => {
    redis = await startRedis();
    await hooks.start();
    hooks.answer = (r) => {
      const hold = [...holds].find(([text]) => r.json.type === 'message.received' && r.body.includes(text))?.[1];
      return hold && requests(r.id).length === 1 ? { status: 200, until: hold.until } : { status: 200, body: 'ok' };
    };
    sb = await startSandbox({ accounts: 2, contacts: 2, officials: 0, rooms: 0, holdMs: 1000, rateLimits: false });
    env = await clusterEnv({ redisUrl: redis.url, sandboxOrigin: sb.origin, leaseTtlMs: LEASE_TTL_MS, extra: { WEBHOOK_URL: hooks.url } });
    nodes.push(await startNode('node-a', env));
  });

  after(async () => {
    letGo();
    for (const n of live()) n.proc.child.kill('SIGKILL');
    await sb?.close();
    await redis?.stop();
    await hooks.stop();
  });

  it("a node that starts leaves a live node's delivery in flight alone", async () => {
    for (let i = 0; i < 2; i++) {
      ids.push(await createAccount(node('node-a'), `acc ${i}`));
      let qr: { uuid: string } | undefined;
      await waitUntil(async () => (qr = (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting')) !== undefined, WAIT, 'a QR');
      await sb.control.scan({ uuid: qr!.uuid, account: String(i) });
      await sb.control.confirm({ uuid: qr!.uuid });
    }
    await placedOn(1);
    // Node A, alone, makes this delivery; the receiver keeps it open while node B starts and takes an account.
    const id = await heldDelivery(node('node-a'), ids[0]!, 'held while node-b starts');
    nodes.push(await startNode('node-b', env));
    await placedOn(2);
    // Every request for it is A's first one or a retry A recorded (its request timed out): none is B's.
    const r = await row(id);
    assert.equal(requests(id).length, r.attempts + (r.status === 'delivering' ? 1 : 0), `requests ${requests(id).length}, row ${JSON.stringify(r)}`);
    assert.equal(r.status, r.attempts === 0 ? 'delivering' : r.status);
  });

  it('a send accepted by the API of a node that does not run the account is sent by the node that does, once', async () => {
    const where = await placedOn(2);
    const onB = where.get('node-b')![0]!;
    const s = await sides(node('node-b'), onB);
    await queueText(node('node-a'), onB, s.friend, 'routed from node-a');
    await waitUntil(async () => (await sentCount('routed from node-a')) >= 1, WAIT, 'the routed send on the sandbox');
    // A later send through the account's own node has gone out after it: the routed one went once.
    await queueText(node('node-b'), onB, s.friend, 'sent by node-b');
    await waitUntil(async () => (await sentCount('sent by node-b')) >= 1, WAIT, 'the local send');
    assert.equal(await sentCount('routed from node-a'), 1);
  });

  it("kill -9 mid-delivery: another node delivers the row again, same webhook-id; no row is left 'delivering'", async () => {
    letGo();
    const where = await placedOn(2);
    const id = await heldDelivery(node('node-a'), where.get('node-a')![0]!, 'held when its node is killed');
    // The node whose worker runs the delivery's job (BullMQ records it on the job).
    const { seq, attempts } = await row(id);
    const runner = await redis.client.hget(`weiroto:bull:webhook-deliveries:d${seq}-a${attempts}`, 'pb');
    const victim = node(runner!);
    const t0 = Date.now();
    victim.proc.child.kill('SIGKILL');
    await victim.proc.exited;
    await waitUntil(async () => requests(id).length >= 2, WAIT, 'the cut-off delivery made again');
    console.log(`webhook job of the killed ${victim.name} delivered again ${Date.now() - t0} ms after kill -9 (LEASE_TTL_MS ${LEASE_TTL_MS}, load ${load()})`);
    assert.equal(requests(id).length, 2, 'the cut-off request, then one more');
    await placedOn(1);
    await waitUntil(
      async () => (await pgRows(env.databaseUrl, `select seq from webhook_deliveries where status in ('pending', 'delivering')`)).length === 0,
      WAIT,
      'every delivery finished',
    );
    assert.equal((await row(id)).status, 'delivered');
  });

  it('a send accepted just before its node is killed is sent by the next holder once', async () => {
    const other = live()[0]!;
    nodes.push(await startNode('node-c', env));
    const where = await placedOn(2);
    const onC = where.get('node-c')![0]!;
    const s = await sides(node('node-c'), onC);
    // Node C never ran the other account (it started after the account was created elsewhere): its API routes the send too.
    const onOther = where.get(other.name)![0]!;
    await queueText(node('node-c'), onOther, (await sides(other, onOther)).friend, 'routed from node-c');
    // One accepted by the node that runs the account, one routed to it from the other; then the node dies.
    await queueText(node('node-c'), onC, s.friend, 'accepted on node-c');
    await queueText(other, onC, s.friend, 'routed to node-c');
    node('node-c').proc.child.kill('SIGKILL');
    await node('node-c').proc.exited;
    await placedOn(1);
    for (const text of ['accepted on node-c', 'routed to node-c', 'routed from node-c'])
      await waitUntil(async () => (await sentCount(text)) >= 1, WAIT, `"${text}" sent`);
    await queueText(other, onC, s.friend, 'after the failover');
    await waitUntil(async () => (await sentCount('after the failover')) >= 1, WAIT, 'the last send');
    assert.equal(await sentCount('accepted on node-c'), 1);
    assert.equal(await sentCount('routed to node-c'), 1);
    assert.equal(await sentCount('routed from node-c'), 1);
  });

  it('a node that runs no account accepts a send for one and routes it', async () => {
    nodes.push(await startNode('node-d', env));
    nodes.push(await startNode('node-e', env));
    // Two accounts over three nodes: one node runs none (it never loaded the accounts to run them).
    const where = await placedOn(2);
    const idle = live().find((n) => !where.has(n.name))!;
    const [holder, accounts] = [...where][0]!;
    await queueText(idle, accounts[0]!, (await sides(node(holder), accounts[0]!)).friend, `routed from ${idle.name}`);
    await waitUntil(async () => (await sentCount(`routed from ${idle.name}`)) >= 1, WAIT, 'the routed send on the sandbox');
    await queueText(node(holder), accounts[0]!, (await sides(node(holder), accounts[0]!)).friend, `then from ${holder}`);
    await waitUntil(async () => (await sentCount(`then from ${holder}`)) >= 1, WAIT, 'the later send');
    assert.equal(await sentCount(`routed from ${idle.name}`), 1);
  });
});
