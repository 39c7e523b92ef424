// Fencing, end to end: a node paused (SIGSTOP) past its lease while it still had sends queued for an
// account wakes up (SIGCONT) after another node took the account over and sent them. The paused node
// must send nothing more for it: every queued text reaches the sandbox exactly once, and the woken
// node stops the account. Real redis-server, real PostgreSQL, two `weiroto start` processes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { accountsOn, createAccount, leaseHolders, onlineOn, queueText, startNode, type ClusterNode } from './helpers/nodes.js';

const LEASE_TTL_MS = 3000;
const WAIT = CHILD_TEST_TIMEOUT_MS;

describe('a node paused past its lease', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  let redis: RedisServer;
  let sb: RunningSandbox;
  const nodes: ClusterNode[] = [];

  before(async () => {
    redis = await startRedis();
    sb = await startSandbox({ accounts: 1, contacts: 3, officials: 0, rooms: 0, holdMs: 1000, autoScanMs: 20, autoConfirmMs: 20, rateLimits: false });
    // Safe pacing spaces the sends out (seconds apart), so that some are still queued when the node is paused.
    const env = {
      databaseUrl: await createTestDatabase(),
      redisUrl: redis.url,
      sandboxOrigin: sb.origin,
      leaseTtlMs: LEASE_TTL_MS,
      extra: { SEND_PACING: 'safe' },
    };
    nodes.push(await startNode('node-a', env), await startNode('node-b', env));
  });

  after(async () => {
    for (const n of nodes) {
      n.proc.child.kill('SIGCONT');
      n.proc.child.kill('SIGKILL');
    }
    await sb?.close();
    await redis?.stop();
  });

  it('sends nothing for the account after SIGCONT: the new holder sent the queue, each text once', async () => {
    const account = await createAccount(nodes[0]!, 'paused');
    const holder = async () => (await leaseHolders(redis.client, [account])).get(account);
    let paused: ClusterNode | undefined;
    await waitUntil(
      async () => {
        const h = await holder();
        paused = nodes.find((n) => n.name === h);
        return paused !== undefined && (await onlineOn(paused)).has(account);
      },
      WAIT,
      'the account online on its holder',
    );
    const other = nodes.find((n) => n !== paused)!;
    const friend = (await sb.control.state()).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
    const texts = Array.from({ length: 5 }, (_, i) => `queued before the pause ${i}`);
    for (const t of texts) await queueText(paused!, account, friend, t);
    const sent = async (text: string) => (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
    await waitUntil(async () => (await sent(texts[0]!)) === 1, WAIT, 'the first send');
    paused!.proc.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    // The other node takes the lease once it expires, and sends what was still queued, from the shared store.
    await waitUntil(async () => (await holder()) === other.name && (await onlineOn(other)).has(account), WAIT, 'the other node to take the account');
    console.log(`paused node: the other node ran the account ${Date.now() - stoppedAt} ms after SIGSTOP (LEASE_TTL_MS ${LEASE_TTL_MS})`);
    for (const t of texts) await waitUntil(async () => (await sent(t)) >= 1, WAIT, `"${t}" sent by the new holder`);
    assert.ok(!(await accountsOn(other)).some((a) => a.id === account && a.state !== 'online'));
    paused!.proc.child.kill('SIGCONT');
    // The woken node finds its lease gone at its next renewal and stops the account; what it still had
    // queued in memory (its pacing timer fired first) was refused by the fence before any request.
    await waitUntil(async () => !(await onlineOn(paused!)).has(account), WAIT, 'the woken node to stop the account');
    for (const t of texts) assert.equal(await sent(t), 1, `"${t}" sent once`);
    assert.equal(paused!.proc.child.exitCode, null, `the woken node lives on: ${paused!.proc.err()}`);
    assert.equal(await holder(), other.name, 'the lease stayed with the new holder');
  });
});
