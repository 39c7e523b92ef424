// Fencing, end to end: a node paused (SIGSTOP) past its lease while it still had sends queued for an
// account wakes up (SIGCONT) after another node took the account over and sent them. The woken node
// must send nothing more for it (counted in the sandbox's log): not the sends it had in memory, not a
// send asked of it while it slept. Real redis-server, real PostgreSQL, two `weiroto start` processes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { clusterEnv, createAccount, leaseHolders, onlineOn, queueText, startNode, type ClusterNode } from './helpers/nodes.js';

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
    const env = await clusterEnv({
      redisUrl: redis.url,
      sandboxOrigin: sb.origin,
      leaseTtlMs: LEASE_TTL_MS,
      extra: { SEND_PACING: 'safe' },
    });
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
    const wx = (await sb.control.state()).accounts[0]!;
    // Three chats, not one: the new holder sends the queue paced per account (burst 5, then 3 s) instead of per chat
    // (burst 3, then 6 s), which sat out ~40 s of this file's ~70.
    const friends = wx.friends.filter((f) => f.kind === 'friend').map((f) => f.nickname);
    assert.equal(friends.length, 3, 'three friends to send to');
    const friend = friends[0]!;
    // The first send is held by the sandbox for a while (answered after it); the others wait behind it in the
    // paused node's memory (one send per chat at a time), ready to go the moment it wakes up.
    await sb.control.fault({ kind: 'slow', endpoint: 'webwxsendmsg', account: wx.id, count: 1, ms: 3000 });
    const faultsBefore = (await sb.control.state()).counters.faults!;
    const texts = Array.from({ length: 10 }, (_, i) => `queued before the pause ${i}`);
    for (const [i, t] of texts.entries()) await queueText(paused!, account, friends[i % friends.length]!, t);
    await waitUntil(async () => (await sb.control.state()).counters.faults! > faultsBefore, WAIT, 'the first send in the sandbox');
    paused!.proc.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const sent = async (text: string) => (await sb.control.sent({})).messages.filter((m) => m.text === text).length;
    // The other node takes the lease once it expires, and sends what was still queued, from the shared store.
    await waitUntil(async () => (await holder()) === other.name && (await onlineOn(other)).has(account), WAIT, 'the other node to take the account');
    console.log(`paused node: the other node ran the account ${Date.now() - stoppedAt} ms after SIGSTOP (LEASE_TTL_MS ${LEASE_TTL_MS})`);
    for (const t of texts) await waitUntil(async () => (await sent(t)) >= 1, WAIT, `"${t}" sent`);
    // Asked while it sleeps (the request waits in its socket), the paused node handles this as it wakes up, racing its
    // own renewal (which finds the lease gone and stops the account): either way nothing may reach WeChat. (That the
    // fences alone refuse such a write and such a send is shown in leases.test.ts; here the renewal often wins.)
    const late = 'asked of the paused node';
    const lateAnswer = queueText(paused!, account, friend, late).then(
      () => 'accepted',
      (e: unknown) => String(e),
    );
    paused!.proc.child.kill('SIGCONT');
    // The woken node gets the answer to its first send, and would go on with the next ones at once; it finds its
    // lease gone at its next renewal and stops the account (waiting for a send in flight), so once it shows the
    // account stopped, whatever it sent is in the sandbox's log.
    await waitUntil(async () => !(await onlineOn(paused!)).has(account), WAIT, 'the woken node to stop the account');
    for (const t of texts) assert.equal(await sent(t), 1, `"${t}" sent once`);
    // Either it still took itself for the holder and its write was fenced (refused), or its renewal had found the
    // lease gone and it routed the send to the new holder (accepted), which sends it once: never the woken node.
    const answer = await lateAnswer;
    if (answer === 'accepted') {
      await waitUntil(async () => (await sent(late)) >= 1, WAIT, 'the routed send from the new holder');
      await queueText(other, account, friend, 'after the late one');
      await waitUntil(async () => (await sent('after the late one')) >= 1, WAIT, 'a later send');
      assert.equal(await sent(late), 1, 'sent once, by the new holder');
    } else {
      assert.match(answer, /send on node-.: 5\d\d/, 'the woken node refused the send (its write was fenced)');
      assert.equal(await sent(late), 0, 'the woken node sent nothing for the account');
    }
    assert.equal(paused!.proc.child.exitCode, null, `the woken node lives on: ${paused!.proc.err()}`);
    assert.equal(await holder(), other.name, 'the lease stayed with the new holder');
  });
});
