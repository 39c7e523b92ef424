// One panel, many nodes: two `weiroto start` processes on one PostgreSQL database and one
// redis-server (both real), against the sandbox. An account run by one node shows on the other
// node's API and panel with its live state, its node and its QR (pushed over the panel's SSE as it
// changes); a plugin setting saved on the other node takes effect on the holder at once (the next
// message gets the new reply); stop and start on the other node's panel act on the holder; the Nodes
// page and GET /api/v1/nodes list both nodes with their accounts; /metrics of each node reports the
// accounts it runs under its `node` label, and no account twice.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS } from '../helpers/child.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { signIn as signInClient } from '../admin/helpers/panel-stack.js';
import { signIn as signInPage } from '../admin/helpers/sign-in.js';
import {
  CLUSTER_TOKEN,
  accountsOn,
  clusterEnv,
  createAccount,
  leaseHolders,
  nodeApi as api,
  startNode,
  type AccountView,
  type ClusterNode,
} from './helpers/nodes.js';
import { followSse, type SseEvent } from './helpers/sse.js';
import { CHROMIUM, CHROMIUM_ARGS as ARGS, screenshots } from './helpers/browser.js';

// Long leases: the holder's regular round comes every 20 s, so what is done at once is told apart from what waited for it.
const LEASE_TTL_MS = 60_000;
const WAIT = CHILD_TEST_TIMEOUT_MS;
/** How long news from one node may take to show on the other (it goes through Redis at once; this is only a bound). */
const NEWS = 60_000;
const PASSWORD = 'cluster panel password';

describe('one panel, many nodes', { timeout: CHILD_TEST_TIMEOUT_MS * 2 }, () => {
  let redis: RedisServer;
  let sb: RunningSandbox;
  const nodes: ClusterNode[] = [];
  const stop = new AbortController();
  /** The first account, its holder and the other node. */
  let first = '';
  let holder: ClusterNode;
  let other: ClusterNode;
  let second = '';

  const byName = (name: string) => nodes.find((n) => n.name === name)!;
  const viewOn = async (node: ClusterNode, id: string): Promise<AccountView | undefined> => (await accountsOn(node)).find((a) => a.id === id);
  const qrCount = async () => (await sb.control.state()).counters.qrcodes!;

  before(async () => {
    redis = await startRedis();
    sb = await startSandbox({ accounts: 2, contacts: 3, officials: 0, rooms: 0, holdMs: 1000, rateLimits: false });
    const env = await clusterEnv({ redisUrl: redis.url, sandboxOrigin: sb.origin, leaseTtlMs: LEASE_TTL_MS, extra: { ADMIN_PASSWORD: PASSWORD } });
    nodes.push(await startNode('node-a', env));
    nodes.push(await startNode('node-b', env));
  });

  after(async () => {
    stop.abort();
    for (const n of nodes) if (n.proc.child.exitCode === null) n.proc.child.kill('SIGKILL');
    await sb?.close();
    await redis?.stop();
  });

  it("shows an account waiting for a scan on its node, with that node and its QR, on the other node's API and SSE, and follows it online", async () => {
    first = await createAccount(byName('node-a'), 'first');
    let holders = new Map<string, string>();
    await waitUntil(async () => (holders = await leaseHolders(redis.client, [first])).has(first), WAIT, 'a node to take the account');
    holder = byName(holders.get(first)!);
    other = nodes.find((n) => n !== holder)!;
    let qr: { uuid: string } | undefined;
    await waitUntil(async () => (qr = (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting')) !== undefined, WAIT, 'a QR');
    // The other node's API: the holder's state, its name and its QR (the same login the sandbox waits on).
    await waitUntil(async () => (await viewOn(other, first))?.qr?.id === qr!.uuid, NEWS, `the QR on ${other.name}'s API`);
    const waiting = (await viewOn(other, first))!;
    assert.equal(waiting.state, 'waiting-scan');
    assert.equal(waiting.node, holder.name);

    // The other node's panel: the account's live stream carries the QR picture, then the login.
    const panel = await signInClient(other.url, 'admin', PASSWORD);
    const events: SseEvent[] = [];
    await followSse(panel, `/accounts/${encodeURIComponent(first)}/events`, events, stop.signal);
    const list: SseEvent[] = [];
    await followSse(panel, '/events', list, stop.signal);
    await waitUntil(() => events.some((e) => e.event === 'info' && e.data.state === 'waiting-scan' && e.data.qrId === qr!.uuid), NEWS, 'the QR over SSE');
    const shown = events.find((e) => e.data.qrId === qr!.uuid)!;
    assert.match(String(shown.data.qr), /^data:image\/png;base64,/, 'the QR picture itself');
    assert.equal(shown.data.node, holder.name);
    const loginPage = await panel.get(`/accounts/${encodeURIComponent(first)}/login`);
    assert.match(loginPage.text, new RegExp(`data-qr-id="${qr!.uuid}"`), "the login page of the other node shows the holder's QR");

    await sb.control.scan({ uuid: qr!.uuid, account: '0' });
    await sb.control.confirm({ uuid: qr!.uuid });
    await waitUntil(() => events.some((e) => e.event === 'info' && e.data.state === 'online' && e.data.node === holder.name), NEWS, 'online over SSE');
    await waitUntil(
      () =>
        list.some((e) => e.event === 'accounts' && (e.data as unknown as { id: string; state: string }[]).some((a) => a.id === first && a.state === 'online')),
      NEWS,
      "online in the other node's accounts stream",
    );
    const online = (await viewOn(other, first))!;
    assert.equal(online.state, 'online');
    assert.equal(online.node, holder.name);
    assert.equal(online.self?.name, (await viewOn(holder, first))!.self?.name, 'who logged in, as the holder says');
  });

  it("takes a plugin setting saved on the other node's API at once on the holder: the next message gets the new reply", async () => {
    const side = (await sb.control.state()).accounts[0]!;
    const friend = side.friends.find((f) => f.kind === 'friend')!.nickname;
    const saved = await api(other, 'PUT', `/accounts/${first}/plugins/echo`, { enabled: true, config: { prefix: `[${other.name}] ` } });
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
    const since = (await sb.control.sent({})).next;
    await sb.control.sendMessage({ account: side.id, from: friend, text: 'after the change' });
    const reply = await sb.control.waitForSent((m) => m.text?.endsWith('after the change') === true, { since, timeoutMs: NEWS });
    assert.equal(reply.text, `[${other.name}] after the change`, 'answered by the holder with the setting saved on the other node');
    // The holder's own view of the plugin says the same.
    const plugins = await api(holder, 'GET', `/accounts/${first}/plugins`);
    const echo = (plugins.json.items as { name: string; config: { prefix: string } }[]).find((p) => p.name === 'echo')!;
    assert.equal(echo.config.prefix, `[${other.name}] `);
  });

  it("stops and starts the account from the other node's panel: the holder acts at once, and it comes back without a scan", async () => {
    const panel = await signInClient(other.url, 'admin', PASSWORD);
    await panel.get('/accounts'); // the session's CSRF token
    const qrs = await qrCount();
    const stopped = await panel.post(`/accounts/${encodeURIComponent(first)}/stop`);
    assert.equal(stopped.status, 302);
    await waitUntil(async () => !(await leaseHolders(redis.client, [first])).has(first), WAIT, 'the holder to release the stopped account');
    // At once: the round that handed it over ran on the other node's news, not at the holder's next regular round.
    // (The line is written once the release is announced, just after the lease went.)
    const handedOver = () =>
      holder.proc
        .out()
        .split('\n')
        .filter((l) => l.includes('"cluster: handed the account over"') && l.includes(first))
        .map((l) => JSON.parse(l) as { trigger: string });
    await waitUntil(() => handedOver().length > 0, NEWS, "the holder's handover line");
    const handed = handedOver();
    assert.deepEqual(
      handed.map((h) => h.trigger),
      ['changed'],
    );
    await waitUntil(async () => (await viewOn(holder, first))?.state === 'stopped', WAIT, 'stopped on the holder');
    const started = await panel.post(`/accounts/${encodeURIComponent(first)}/start`);
    assert.equal(started.status, 302);
    await waitUntil(async () => (await viewOn(other, first))?.state === 'online', WAIT, 'online again');
    assert.equal(await qrCount(), qrs, 'no new QR: resumed from the stored session');
    // Started again, it runs on whichever node the spread gave it.
    const now = (await leaseHolders(redis.client, [first])).get(first)!;
    holder = byName(now);
    other = nodes.find((n) => n !== holder)!;
    assert.equal((await viewOn(other, first))?.node, holder.name);
  });

  it('lists both nodes with their accounts (GET /api/v1/nodes), and /metrics of each labels the accounts it runs', async () => {
    second = await createAccount(other, 'second');
    let qr: { uuid: string } | undefined;
    await waitUntil(async () => (qr = (await sb.control.state()).qrcodes.find((q) => q.status === 'waiting')) !== undefined, WAIT, 'a QR');
    await sb.control.scan({ uuid: qr!.uuid, account: '1' });
    await sb.control.confirm({ uuid: qr!.uuid });
    // One account per node (the spread), both online.
    let holders = new Map<string, string>();
    await waitUntil(
      async () => {
        holders = await leaseHolders(redis.client, [first, second]);
        const views = await accountsOn(byName('node-a'));
        return holders.size === 2 && new Set(holders.values()).size === 2 && views.every((v) => v.state === 'online');
      },
      WAIT,
      'one account online on each node',
    );
    const runs = (node: string) => [...holders].filter(([, n]) => n === node).map(([id]) => id);
    for (const n of nodes) {
      const listed = await api(n, 'GET', '/nodes');
      assert.equal(listed.status, 200);
      const items = listed.json.items as { node: string; status: string; lastHeartbeatAt: number; accounts: { id: string; state: string }[] }[];
      assert.deepEqual(
        items.map((i) => [i.node, i.status]),
        [
          ['node-a', 'alive'],
          ['node-b', 'alive'],
        ],
      );
      for (const i of items) {
        assert.deepEqual(
          i.accounts.map((a) => a.id),
          runs(i.node),
        );
        assert.ok(Date.now() - i.lastHeartbeatAt < LEASE_TTL_MS, 'a recent heartbeat');
        assert.ok(i.accounts.every((a) => a.state === 'online'));
      }
    }
    // Each node reports the accounts it runs, under its name; summed over the nodes, each account once.
    for (const n of nodes) {
      const res = await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${CLUSTER_TOKEN}` } });
      const text = await res.text();
      assert.match(text, new RegExp(`^weiroto_accounts\\{state="online",node="${n.name}"\\} 1$`, 'm'));
      const outbox = [...text.matchAll(/^weiroto_outbox_depth\{account="([^"]+)",node="([^"]+)"\} \d+$/gm)].map((m) => [m[1], m[2]]);
      assert.deepEqual(
        outbox,
        runs(n.name).map((id) => [id, n.name]),
        `${n.name} reports the outbox of its own account only`,
      );
    }
  });

  it(
    'draws the Nodes page with both nodes and their accounts (Chromium, en and zh, 1366 and 390 px)',
    { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` },
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      try {
        for (const locale of ['en-US', 'zh-CN']) {
          const page = await browser.newPage({ locale, viewport: { width: 1366, height: 900 } });
          const problems: string[] = [];
          page.on('pageerror', (e) => problems.push(e.message));
          await signInPage(page, other.url, PASSWORD);
          await page.goto(`${other.url}/nodes`);
          // The menu has the entry (a cluster), in the page's language.
          assert.equal(await page.textContent('header nav a[href="/nodes"]'), locale === 'en-US' ? 'Nodes' : '节点');
          for (const name of ['node-a', 'node-b']) {
            const row = page.locator(`tr[data-node="${name}"]`);
            assert.equal(await row.getAttribute('data-status'), 'alive');
            assert.equal(await row.locator('li[data-account]').count(), 1, `${name} runs one account`);
          }
          assert.equal(await page.locator('tr[data-node] [data-here]').count(), 1, 'this node is marked');
          await screenshots(page, `nodes-${locale === 'en-US' ? 'en' : 'zh'}`);
          // The accounts page names each account's node.
          await page.goto(`${other.url}/accounts`);
          assert.equal((await page.textContent(`[data-live-node="${first}"]`))?.trim(), holder.name);
          assert.deepEqual(problems, []);
          await page.close();
        }
      } finally {
        await browser.close();
      }
    },
  );

  it("logs the account out from the other node's panel: the node running it does it", async () => {
    const panel = await signInClient(other.url, 'admin', PASSWORD);
    await panel.get('/accounts'); // the session's CSRF token
    const answer = await panel.post(`/accounts/${encodeURIComponent(first)}/logout`);
    assert.equal(answer.status, 302);
    assert.match(answer.location ?? '', /flash=flash\.loggedOut/);
    await waitUntil(async () => (await viewOn(holder, first))?.state === 'logged-out', NEWS, 'logged out on its node');
    await waitUntil(async () => (await viewOn(other, first))?.state === 'logged-out', NEWS, 'logged out as the other node shows it');
    assert.ok(
      holder.proc.out().includes('"cluster: doing what an admin on another node asked"'),
      'the node running it did it (the other node holds no session to log out)',
    );
  });
});
