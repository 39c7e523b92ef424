// iLink accounts moving between nodes lose nothing the server handed out and send with the newest
// context token. Two `weiroto start` nodes on one PostgreSQL database and one redis-server (both
// real), iLink accounts on the sandbox.
//
// SIGTERM: the owners write in a steady stream while one node leaves. Under `server-ack` (ilink.md
// §4.4, the sandbox's default) a getupdates answer's messages are consumed when the server answers;
// the sandbox's `updatesLatencyMs` keeps each answer on the wire for a while, as a real link does,
// and the signal goes just as an answer with messages left, so a leaving node that cut its poll
// would lose them: nobody would answer them, and the token they brought, which superseded the
// saved one, would be unknown to the next holder, whose sends WeChat then refuses ("context_token
// superseded"). Every message must be answered exactly once and later sends go out, under both
// cursor models. (A client resumed after a failover waiting for its first poll before it sends, and
// the token it then uses, are shown on the client in test/ilink/handover.test.ts.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { IlinkOptions } from '../../src/sandbox/ilink/options.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import {
  accountsOn,
  clusterEnv,
  createAccount,
  leaveBreakdown,
  load,
  paced,
  queueText,
  settledPlacement,
  startNode,
  type ClusterNode,
} from './helpers/nodes.js';

const WAIT = CHILD_TEST_TIMEOUT_MS;
/**
 * How long a getupdates answer is on the wire: longer than a node's way from SIGTERM to where it
 * used to cut its polls, and with the hold (200 ms) well inside the 1.5 s a stop lets a poll end.
 */
const LATENCY_MS = 700;
/** Between two messages of one owner while the stream flows. */
const EVERY_MS = 100;
/** The most messages of one owner left unanswered while the stream flows. */
const UNANSWERED = 4;

/** Two nodes running `accounts` iLink accounts (each bound to an owner of its own), one sandbox. */
class IlinkCluster {
  redis!: RedisServer;
  sb!: RunningSandbox;
  readonly nodes: ClusterNode[] = [];
  readonly ids: string[] = [];
  /** Each account's owner (the iLink user who writes to it). */
  readonly owners = new Map<string, string>();

  async start(accounts: number, ilink: IlinkOptions, leaseTtlMs: number): Promise<void> {
    this.redis = await startRedis();
    this.sb = await startSandbox({ accounts: 1, contacts: 1, officials: 0, rooms: 0, rateLimits: false, ilink });
    const env = await clusterEnv({ redisUrl: this.redis.url, sandboxOrigin: this.sb.origin, leaseTtlMs, extra: { ILINK_BASE_URL: this.sb.origin } });
    this.nodes.push(await startNode('node-a', env), await startNode('node-b', env));
    for (let i = 0; i < accounts; i++) this.ids.push(await createAccount(this.nodes[i % 2]!, `ilink ${i}`, 'ilink'));
    const confirmed = new Set<string>();
    await waitUntil(
      async () => {
        for (const qr of (await this.sb.ilink.control.state()).qrcodes.filter((q) => q.status === 'wait' && !confirmed.has(q.qrcode))) {
          confirmed.add(qr.qrcode);
          await this.sb.ilink.control.confirm({ qrcode: qr.qrcode, user: 'new' });
        }
        return confirmed.size === accounts;
      },
      WAIT,
      'every QR confirmed',
    );
    await waitUntil(async () => (await this.settled())?.size === 2, WAIT, 'every account online, spread over both nodes');
    for (const v of await accountsOn(this.nodes[0]!)) {
      const owner = (v as { owner?: { id: string } }).owner?.id;
      if (this.ids.includes(v.id) && owner) this.owners.set(v.id, owner);
    }
    assert.equal(this.owners.size, accounts, 'each account bound to its owner');
  }

  live(): ClusterNode[] {
    return this.nodes.filter((n) => n.proc.child.exitCode === null && n.proc.child.signalCode === null && !n.stopping);
  }

  settled(): Promise<Map<string, string[]> | undefined> {
    return settledPlacement(this.live(), this.redis.client, this.ids);
  }

  /** The owner writes `text` to the account. */
  async write(account: string, text: string): Promise<void> {
    await this.sb.ilink.control.sendMessage({ user: this.owners.get(account)!, text });
  }

  /** How often each text went out to WeChat (delivered), and the refusals. */
  async sent(): Promise<{ delivered: Map<string, number>; refused: string[] }> {
    const delivered = new Map<string, number>();
    const refused: string[] = [];
    for (const m of (await this.sb.ilink.control.sent()).messages) {
      for (const item of m.items) {
        if (!item.text) continue;
        if (m.decision === 'delivered') delivered.set(item.text, (delivered.get(item.text) ?? 0) + 1);
        else refused.push(`"${item.text}": ${m.reason ?? m.decision}`);
      }
    }
    return { delivered, refused };
  }

  /** Wait until every text went out, then check each went out once. */
  async expectSentOnce(texts: string[], what: string): Promise<void> {
    let seen = await this.sent();
    const missing = () => texts.filter((t) => !seen.delivered.has(t));
    await waitUntil(
      async () => {
        seen = await this.sent();
        return missing().length === 0;
      },
      60_000,
      what,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; not sent: ${missing().join(' | ')}; refused by the server: ${seen.refused.join(' | ') || 'none'}`);
    });
    for (const t of texts) assert.equal(seen.delivered.get(t), 1, `"${t}" sent once`);
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) n.proc.child.kill('SIGKILL');
    await this.sb?.close();
    await this.redis?.stop();
  }
}

for (const cursorMode of ['server-ack', 'cursor-replay'] as const) {
  describe(`iLink handover under a stream of messages (${cursorMode})`, { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
    const c = new IlinkCluster();
    before(() => c.start(4, { cursorMode, pollHoldMs: 200, longPollTimeoutMs: 200, updatesLatencyMs: LATENCY_MS }, 15_000));
    after(() => c.stop());

    it('SIGTERM: every message written while the node leaves is answered once, by it or by the next holder', async () => {
      const [leaving, staying] = c.nodes as [ClusterNode, ClusterNode];
      const moving = (await c.settled())!.get(leaving.name)!;
      const written: string[] = [];
      let flowing = true;
      // What went out so far, read from the sandbox as it grows.
      const answered = new Set<string>();
      let since = 0;
      const reading = (async () => {
        while (flowing) {
          const page = await c.sb.ilink.control.sent(since);
          since = page.next;
          for (const m of page.messages) if (m.decision === 'delivered') for (const item of m.items) if (item.text) answered.add(item.text);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      // Each owner of a moving account writes every EVERY_MS, like a person typing fast: at most
      // UNANSWERED of theirs unanswered (iLink allows about 10 replies per user message, §9b), until the
      // accounts run on the other node.
      const stream = Promise.all(
        moving.map(async (id) => {
          const mine: string[] = [];
          for (let i = 0; flowing; i++) {
            await waitUntil(() => !flowing || mine.filter((t) => !answered.has(t)).length < UNANSWERED, WAIT, 'room in the stream');
            if (!flowing) break;
            const text = `${id} #${i}`;
            await c.write(id, text);
            mine.push(text);
            written.push(text);
            await new Promise((r) => setTimeout(r, EVERY_MS));
          }
        }),
      );
      // The stream is under way (answers coming back) when the signal goes, just as the server hands
      // messages to the leaving node (its answer then is on the wire for LATENCY_MS).
      await waitUntil(() => answered.size >= moving.length * 2, WAIT, 'answers to the stream');
      const bots = moving.map((id) => c.sb.ilink.state.botOfUser(c.owners.get(id)));
      const handed = bots.map((b) => b.handedOut);
      await waitUntil(() => bots.some((b, i) => b.handedOut > handed[i]!), WAIT, 'messages handed to the leaving node');
      const t0 = Date.now();
      leaving.stopping = true;
      leaving.proc.child.kill('SIGTERM');
      // Asked at most every 50 ms: asked without pause it would take CPU from the very nodes whose move is timed.
      await waitUntil(
        paced(async () => (await c.settled())?.get(staying.name)?.length === c.ids.length),
        WAIT,
        "the leaving node's accounts online on the other",
      );
      const handover = Date.now() - t0;
      flowing = false;
      await Promise.all([stream, reading]);
      console.log(
        `iLink handover (${cursorMode}): ${moving.length} accounts online on ${staying.name} ${handover} ms after SIGTERM, ${written.length} messages written (load ${load()}); ${leaveBreakdown(leaving, t0)}`,
      );
      const [code] = await leaving.proc.exited;
      assert.equal(code, 0, leaving.proc.err());
      await c.expectSentOnce(written, 'every message answered');
      // Later sends carry the newest token: past the grace WeChat gives a superseded one (10 s on the iLink clock).
      await c.sb.ilink.control.advanceClock(11_000);
      const later = moving.map((id) => `later to ${id}`);
      for (const [i, id] of moving.entries()) await queueText(staying, id, c.owners.get(id)!, later[i]!);
      await c.expectSentOnce(later, 'the later sends');
      // The bound for a SIGTERM handover (as in chaos.test.ts): a time bound, so scripts/test.mjs runs this file alone.
      assert.ok(handover < 5000, `handover took ${handover} ms`);
    });
  });
}
