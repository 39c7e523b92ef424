/**
 * A user's regular expression cannot freeze the server: `weiroto start`, in its own process, matches an auto-reply
 * rule `(a+)+$` against 64 × "a" + "!". A backtracking engine needs about 2^64 steps for that (centuries: 28 characters
 * already took 5.3 s); RE2 takes microseconds. The proof is an event, not a stopwatch: the rule after it answers, which
 * it can only do once the first rule has run to the end, and /healthz answers after that. On a backtracking engine
 * the answer never comes, and the test's timeout (only a hang bound) fails it, the test process staying free because
 * the server runs in another. Patterns RE2 cannot run (backreferences, lookaround) are refused with 422 and a message
 * that says why, at save time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { waitFor } from '../../src/testing/wait.js';
import { CHILD_TEST_TIMEOUT_MS, untilOutput } from '../helpers/child.js';
import { startWeiroto, type WeirotoProcess } from '../helpers/weiroto-process.js';

const TOKEN = 'redos-test-token-0123456789abcdef';

interface Rule {
  match: string;
  pattern: string;
  replies: { text: string }[];
}

describe('user regular expressions run in linear time (weiroto start)', { timeout: CHILD_TEST_TIMEOUT_MS }, () => {
  let sb: RunningSandbox;
  let p: WeirotoProcess;
  let dataDir = '';
  let url = '';
  let account = '';

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const putRules = (rules: Rule[]) => api('PUT', `/accounts/${account}/plugins/auto-reply`, { enabled: true, config: { rules } });
  const regex = (pattern: string): Rule => ({ match: 'regex', pattern, replies: [{ text: 'matched' }] });

  before(async () => {
    sb = await startSandbox({ autoScanMs: 10, autoConfirmMs: 10, holdMs: 60_000 });
    dataDir = mkdtempSync(join(tmpdir(), 'w-redos-'));
    p = await startWeiroto({ PORT: '0', DATA_DIR: dataDir, SEND_PACING: 'off', WECHAT_ENDPOINT: sb.origin, API_TOKEN: TOKEN, BOT_PLUGINS: 'auto-reply' });
    url = await untilOutput(p.child, () => /"url":"(http:\/\/[^"]+)"/.exec(p.out())?.[1], 'the listening line');
    const online = async () => ((await api('GET', '/accounts')).body.items as { id: string; state: string }[]).find((a) => a.state === 'online')?.id;
    account = await waitFor(online, CHILD_TEST_TIMEOUT_MS, 'the account online');
  });
  after(async () => {
    // SIGKILL: a server stuck in a match would never run its SIGTERM handler.
    p?.child.kill('SIGKILL');
    await p?.exited;
    await sb?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('(a+)+$ against 64 × "a" + "!" runs to the end: the next rule answers, then /healthz', async () => {
    const next = 'the regex rule ran to the end without matching';
    assert.equal((await putRules([regex('(a+)+$'), { match: 'contains', pattern: 'a!', replies: [{ text: next }] }])).status, 200);
    const friend = (await sb.control.state(true)).accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
    const since = (await sb.control.sent({})).next;
    await sb.control.sendMessage({ from: friend, text: `${'a'.repeat(64)}!` });
    const answer = await sb.control.waitForSent((m) => m.text === next, { since, timeoutMs: CHILD_TEST_TIMEOUT_MS });
    assert.equal(answer.text, next);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('refuses backreferences and lookaround at save time, saying why; the saved rule is unchanged', async () => {
    for (const [pattern, why] of [
      ['(a)\\1', /backreferences/],
      ['foo(?=bar)', /lookahead and lookbehind/],
      ['(?<!x)y', /lookahead and lookbehind/],
    ] as const) {
      const r = await putRules([regex(pattern)]);
      assert.equal(r.status, 422, pattern);
      const message = (r.body.error as { message: string }).message;
      assert.match(message, why);
      assert.match(message, /exponential time/);
    }
    const plugins = (await api('GET', `/accounts/${account}/plugins`)).body.items as { name: string; config: { rules: Rule[] } }[];
    assert.equal(plugins.find((x) => x.name === 'auto-reply')!.config.rules[0]!.pattern, '(a+)+$');
  });
});
