/**
 * Plugin settings say what is wrong: through the HTTP API of the server `weiroto start` builds, with
 * an account logged in to the sandbox, configs with unknown keys, bad time zones, chats that do not
 * exist, jobs with no time and file paths out of the media folder are refused with 422, each issue
 * naming its setting, and nothing changes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startServerStack, type ServerStack } from '../admin/helpers/panel-stack.js';

const TOKEN = 'plugin-settings-token-0123456789';

describe('plugin settings refuse what they cannot honour (API)', () => {
  let stack: ServerStack;
  let account = '';
  let room = '';
  let friend = '';

  async function put(
    plugin: string,
    body: unknown,
  ): Promise<{ status: number; body: { error: { message: string; details: { path: string; message: string }[] } } }> {
    const res = await fetch(`${stack.url}/api/v1/accounts/${account}/plugins/${plugin}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error: { message: string; details: { path: string; message: string }[] } } };
  }

  async function refused(plugin: string, config: unknown, path: string, message: RegExp): Promise<void> {
    const r = await put(plugin, { enabled: true, config });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    const issue = r.body.error.details.find((d) => d.path === path);
    assert.ok(issue, `an issue at ${path}: ${JSON.stringify(r.body.error.details)}`);
    assert.match(issue.message, message);
    assert.match(r.body.error.message, message);
  }

  before(async () => {
    stack = await startServerStack({ sandbox: { autoScanMs: 10, autoConfirmMs: 10 }, env: { API_TOKEN: TOKEN } });
    account = (await stack.manager.add('shop')).id;
    await eventually(() => stack.manager.get(account)?.info().state === 'online', 15_000, 'online');
    const st = await stack.sb.control.state(true);
    room = st.accounts[0]!.rooms[0]!.topic;
    friend = st.accounts[0]!.friends.find((f) => f.kind === 'friend')!.nickname;
    await eventually(() => stack.manager.get(account)?.directory.findRoom(room), 10_000, 'directory loaded');
  });

  after(() => stack.close());

  it('an unknown key is refused, naming the key that was probably meant', async () => {
    const rule = { pattern: 'hi', replies: [{ text: 'hello' }], cooldown: 60 };
    await refused('auto-reply', { rules: [rule] }, 'rules.0.cooldown', /unknown setting "cooldown" \(did you mean "cooldownSeconds"\?\)/);
    await refused('auto-reply', { passthrough: true }, 'passthrough', /did you mean "passThrough"/);
    await refused('auto-reply', { zzz: 1 }, 'zzz', /^(?!.*did you mean).*unknown setting "zzz"/);
    const plugins = await fetch(`${stack.url}/api/v1/accounts/${account}/plugins`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const ar = ((await plugins.json()) as { items: { name: string; enabled: boolean; config: { rules: unknown[] } }[] }).items.find(
      (p) => p.name === 'auto-reply',
    )!;
    assert.equal(ar.enabled, false, 'nothing changed');
    assert.deepEqual(ar.config.rules, []);
    const ok = await put('auto-reply', { enabled: true, config: { rules: [{ pattern: 'hi', replies: [{ text: 'hello' }], cooldownSeconds: 60 }] } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it("schedule: a job's unknown time zone, a chat that does not exist and a job with no time are refused", async () => {
    const job = { name: 'daily', to: [room], text: 'good morning', cron: '0 9 * * *' };
    await refused('schedule', { jobs: [{ ...job, timezone: 'Mars/Base' }] }, 'jobs.0.timezone', /unknown time zone/);
    await refused('schedule', { jobs: [{ ...job, to: [room, 'Nobody Anywhere'] }] }, 'jobs.0.to.1', /no group or contact "Nobody Anywhere"/);
    await refused('schedule', { jobs: [{ ...job, cron: '' }] }, 'jobs.0.cron', /a job needs a cron expression \(repeating\) or an at time \(once\)/);
    await refused('schedule', { jobs: [{ ...job, at: '2030-01-01T09:00' }] }, 'jobs.0.at', /set cron or at, not both/);
    const ok = await put('schedule', { config: { jobs: [{ ...job, to: [room, friend], timezone: 'Asia/Shanghai' }] } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  it('auto-reply: a file path that leads out of the media folder is refused at save', async () => {
    const rule = (source: string) => ({ pattern: 'pic', replies: [{ type: 'image', source }] });
    await refused('auto-reply', { rules: [rule('../weiroto.db')] }, 'rules.0.replies.0.source', /leads out of the media folder/);
    await refused('auto-reply', { rules: [rule('/etc/passwd')] }, 'rules.0.replies.0.source', /leads out of the media folder/);
    await refused('auto-reply', { mediaDir: '/srv/media', rules: [rule('/srv/other/a.png')] }, 'rules.0.replies.0.source', /leads out of the media folder/);
    for (const config of [
      { rules: [rule('media/cat.png')] },
      { mediaDir: '/srv/media', rules: [rule('/srv/media/cat.png')] },
      { rules: [rule('https://example.org/cat.png')] },
    ]) {
      const ok = await put('auto-reply', { config });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    }
  });
});
