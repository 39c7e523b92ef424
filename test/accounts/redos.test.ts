/**
 * A user's regular expression cannot freeze the server: through the server `weiroto start` builds,
 * an auto-reply rule `(a+)+$` (linear on RE2) is matched against 28 × "a" + "!" while /healthz keeps
 * answering at once; patterns RE2 cannot run (backreferences, lookaround) are refused with 422 and
 * a message that says why, at save time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startServerStack, type ServerStack } from '../admin/helpers/panel-stack.js';

const TOKEN = 'redos-test-token-0123456789abcdef';

describe('user regular expressions run in linear time (real server)', () => {
  let stack: ServerStack;
  let account = '';
  let friend = '';

  const put = async (config: unknown): Promise<{ status: number; body: { error?: { message: string } } }> => {
    const res = await fetch(`${stack.url}/api/v1/accounts/${account}/plugins/auto-reply`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, config }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
  };
  const rule = (pattern: string) => ({ rules: [{ match: 'regex', pattern, replies: [{ text: 'matched' }] }] });

  before(async () => {
    stack = await startServerStack({ sandbox: { autoScanMs: 10, autoConfirmMs: 10 }, env: { API_TOKEN: TOKEN } });
    account = (await stack.manager.add('regex')).id;
    await eventually(() => stack.manager.get(account)?.info().state === 'online', 15_000, 'online');
    const st = await stack.sb.control.state(true);
    friend = st.accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
  });
  after(() => stack.close());

  it('(a+)+$ against 28 × "a" + "!" cannot stall /healthz', async () => {
    assert.equal((await put(rule('(a+)+$'))).status, 200);
    const text = `${'a'.repeat(28)}!`;
    const handled = new Promise<string | undefined>((resolve) => {
      const off = stack.manager.runtime(account)!.onHandled((t) => {
        off();
        resolve(t.reason);
      });
    });
    let slowest = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const t0 = Date.now();
        const res = await fetch(`${stack.url}/healthz`);
        assert.equal(res.status, 200);
        slowest = Math.max(slowest, Date.now() - t0);
      }
    })();
    await stack.sb.control.sendMessage({ from: friend, text });
    await handled; // the rule ran against the text (and did not match: the text ends in "!")
    polling = false;
    await poll;
    // Backtracking blocks the process for 5.3 s at 28 characters on an idle machine (128 s measured
    // under this machine's test load); RE2 takes microseconds, so what remains is the load's own noise
    // (1.4 s worst seen with every test file running at once). 4 s separates the two under any load.
    assert.ok(slowest < 4_000, `/healthz answered within ${slowest} ms while the pattern ran`);
  });

  it('refuses backreferences and lookaround at save time, saying why; the saved rule is unchanged', async () => {
    for (const [pattern, why] of [
      ['(a)\\1', /backreferences/],
      ['foo(?=bar)', /lookahead and lookbehind/],
      ['(?<!x)y', /lookahead and lookbehind/],
    ] as const) {
      const r = await put(rule(pattern));
      assert.equal(r.status, 422, pattern);
      assert.match(r.body.error!.message, why);
      assert.match(r.body.error!.message, /exponential time/);
    }
    const saved = stack.manager
      .plugins(account)!
      .list()
      .find((p) => p.name === 'auto-reply')!.config as { rules: { pattern: string }[] };
    assert.equal(saved.rules[0]!.pattern, '(a+)+$');
  });
});
