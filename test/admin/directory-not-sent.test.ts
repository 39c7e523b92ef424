/**
 * Contact and group actions the panel does not send to WeChat at all, over HTTP against the server
 * `weiroto start` builds: on an iLink account (no groups, no remarks) the groups page says so and offers
 * nothing, and an action posted anyway comes back 422 saying this account's transport cannot do it; on a
 * web account that is stopped, a rename comes back 409 on the group's page with the typed name kept.
 * Neither shows the transport's own message. A JSON client gets `{error}` with the same sentence.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, signIn, startOnlineAccount, startServerStack, type Client, type OnlineAccount, type ServerStack } from './helpers/panel-stack.js';
import { closedPort } from '../helpers/closed-port.js';
import { translator } from '../../src/admin/i18n.js';

const t = translator('en');
/** As the page escapes it (EJS turns ' into &#39;). */
const html = (text: string): string => text.replaceAll("'", '&#39;');

describe('directory actions not sent to WeChat', () => {
  describe('on an iLink account', () => {
    let stack: ServerStack;
    let admin: Client;
    let base: string;
    before(async () => {
      // Its login goes nowhere (a closed port on 127.0.0.1): what the panel offers depends on the transport, not on being online.
      stack = await startServerStack({ env: { ADMIN_PASSWORD: 'not sent password', ILINK_BASE_URL: `http://127.0.0.1:${await closedPort()}` } });
      const bot = await stack.manager.add('bot', { transport: 'ilink' });
      base = `/accounts/${encodeURIComponent(bot.id)}`;
      admin = await signIn(stack.url, 'admin', 'not sent password');
    });
    after(() => stack?.close());

    it('the groups page says an iLink bot has none, and the contacts page offers no remark', async () => {
      const rooms = await admin.get(`${base}/rooms`);
      assert.equal(rooms.status, 200);
      assert.match(rooms.text, /data-capability-off="rooms"/);
      assert.match(rooms.text, /id="nav-rooms-off"/);
      assert.ok(rooms.text.includes(t('cap.rooms')));
      const contacts = await admin.get(`${base}/contacts`);
      assert.doesNotMatch(contacts.text, /\/remark"/);
    });

    it('a rename posted anyway: 422 on the groups page, saying the transport cannot, in the panel’s words', async () => {
      const r = await admin.post(`${base}/rooms/${encodeURIComponent('@@family')}/rename`, { topic: 'Family' });
      assert.equal(r.status, 422);
      assert.ok(r.text.includes(html(t('op.unsupported', { what: t('op.rename'), why: t('cap.rooms') }))), 'the sentence');
      assert.match(r.text, /class="flash-box flash-error" role="alert"/);
      assert.doesNotMatch(r.text, /\(capability &quot;|an iLink account has no/, 'not the transport’s message');
    });

    it('a remark posted anyway: 422 on the contacts page; a JSON client gets the same sentence as {error}', async () => {
      const r = await admin.post(`${base}/contacts/${encodeURIComponent('owner@im.wechat')}/remark`, { remark: 'Owner' });
      assert.equal(r.status, 422);
      const text = t('op.unsupported', { what: t('op.remark', { name: '' }), why: t('cap.friend-requests') });
      assert.ok(r.text.includes(html(text)), 'the sentence');
      const body = new URLSearchParams({ remark: 'Owner', _csrf: admin.csrf }).toString();
      const json = await admin.request('POST', `${base}/contacts/${encodeURIComponent('owner@im.wechat')}/remark`, {
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      });
      assert.equal(json.status, 422);
      assert.deepEqual(JSON.parse(json.text), { error: { code: 422, message: text } });
    });
  });

  describe('on a web account that is stopped', () => {
    let online: OnlineAccount;
    before(async () => {
      online = await startOnlineAccount('stopped account password');
    });
    after(() => online?.stack.close());

    it('a rename: 409 on the group’s page, "not online", the typed name kept, WeChat not asked', async () => {
      const bot = online.stack.manager.get(online.account)!;
      const room = bot.directory.findRoom(online.topic)!;
      await online.stack.manager.stop(online.account);
      await eventually(() => bot.info().state === 'stopped', 10_000, 'stopped');
      const path = `/accounts/${encodeURIComponent(online.account)}/rooms/${encodeURIComponent(room.id)}`;
      await online.admin.get(path);
      const r = await online.admin.post(`${path}/rename`, { topic: 'Typed while stopped' });
      assert.equal(r.status, 409);
      assert.ok(r.text.includes(html(t('op.offline', { what: t('op.rename'), state: t('state.stopped') }))), 'the sentence');
      assert.match(r.text, /id="topic" value="Typed while stopped"/);
      const world = (await online.stack.sb.control.state(true)).accounts[0]!;
      assert.ok(
        world.rooms.some((x) => x.topic === online.topic),
        'WeChat still has the old name',
      );
    });
  });
});
