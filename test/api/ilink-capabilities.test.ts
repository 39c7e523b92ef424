/**
 * The HTTP API on an iLink account (the iLink client over HTTP to a scripted server): what the
 * transport cannot do answers 422 `unsupported` naming the capability; what waits for the user is
 * listed with its reason; plugins that cannot apply say which capability they miss.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { ScriptedServer, OWNER, userText, confirmed } from '../ilink/helpers/scripted-server.js';
import { client } from '../ilink/helpers/clients.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import { waitUntil } from '../../src/testing/wait.js';
import { ALL_CAPABILITIES, ILINK_CAPABILITIES, type Capability } from '../../src/transport/capabilities.js';

describe('API on an iLink account', () => {
  let server: ScriptedServer;
  let h: Harness;
  before(async () => {
    server = await new ScriptedServer().start();
    server.on('ilink/bot/get_bot_qrcode', () => ({ body: { qrcode: 'q1', qrcode_img_content: 'https://liteapp.weixin.qq.com/q/q1' } }));
    server.on('ilink/bot/get_qrcode_status', () => confirmed());
    server.on('ilink/bot/sendmessage', () => ({ body: { ret: 0 } }));
    h = await startHarness({ createTransport: () => client(server), registry: await PluginRegistry.load() });
  });
  after(async () => {
    await h.close();
    await server.close();
  });

  // Every API call that needs a capability iLink lacks. The capabilities with no API call at all are
  // listed apart, and the last test checks that the API indeed offers none for them.
  const WEB_ONLY_CALLS: { capability: Capability; call: string; answer(): Promise<Pick<Awaited<ReturnType<Harness['call']>>, 'status' | 'body'>> }[] = [
    { capability: 'directory', call: 'GET /accounts/:id/contacts', answer: () => h.call('GET', `/api/v1/accounts/${h.bot.id}/contacts`) },
    { capability: 'rooms', call: 'GET /accounts/:id/rooms', answer: () => h.call('GET', `/api/v1/accounts/${h.bot.id}/rooms`) },
    {
      capability: 'rooms',
      call: 'POST /accounts/:id/messages to a group',
      answer: () => h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body: { to: { room: 'Family' }, text: 'hi' } }),
    },
    {
      capability: 'avatars',
      call: 'GET /media/avatar/:account/:contact (a signed link)',
      answer: async () => {
        const res = await fetch(h.webhooks.mediaLinks.avatarLink(h.bot.id, OWNER)!);
        return { status: res.status, body: await res.json() };
      },
    },
  ];
  const NO_API_CALL: Capability[] = ['friend-requests', 'revoke', 'forward', 'send-emoticon'];

  it('every capability iLink lacks has its web-only API calls here, or no API call at all', () => {
    const lacking = ALL_CAPABILITIES.filter((c) => !ILINK_CAPABILITIES.has.has(c));
    assert.deepEqual([...new Set([...WEB_ONLY_CALLS.map((c) => c.capability), ...NO_API_CALL])].sort(), [...lacking].sort());
  });

  for (const c of WEB_ONLY_CALLS) {
    it(`${c.call} answers 422 unsupported naming "${c.capability}"`, async () => {
      const r = await c.answer();
      assert.equal(r.status, 422);
      assert.equal(r.body.error.code, 'unsupported');
      assert.equal(r.body.error.capability, c.capability);
      assert.match(r.body.error.message, /an iLink account has no/);
    });
  }

  it('the account hands out no avatar link that could only fail', async () => {
    const r = await h.call('GET', `/api/v1/accounts/${h.bot.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.transport, 'ilink');
    assert.ok(r.body.self, 'the bot contact');
    assert.equal(r.body.self.avatar, undefined);
    assert.ok(r.body.lacks.includes('avatars'));
  });

  it('the API has no call for friend requests, recall, forwarding or stickers (on any account)', async () => {
    const spec = await h.call('GET', '/api/v1/openapi.json');
    assert.equal(spec.status, 200);
    const paths = Object.keys(spec.body.paths as Record<string, unknown>).join('\n');
    assert.doesNotMatch(paths, /friend|remark|pin|revoke|recall|forward|emoticon|sticker/i);
    const sticker = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, {
      body: { to: { id: OWNER }, url: 'http://127.0.0.1:9/x.gif', type: 'emoticon' },
    });
    assert.equal(sticker.status, 422);
    assert.equal(sticker.body.error.code, 'invalid', 'stickers are not a type the API sends');
  });

  it('a send to the owner before they wrote waits, listed with its reason', async () => {
    const sent = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages?wait=2000`, { body: { to: { id: OWNER }, text: 'hello' } });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.status, 'waiting-for-user');
    const list = await h.call('GET', `/api/v1/accounts/${h.bot.id}/outbound?status=waiting-for-user`);
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 1);
    assert.match(list.body.items[0].error.message, /has not written to the bot yet/);
    assert.equal(typeof list.body.items[0].heldAt, 'number');
    assert.equal((await h.call('GET', `/api/v1/accounts/${h.bot.id}/outbound?status=nope`)).status, 400);
    // The owner writes: it goes.
    server.push(userText(1, 'hi bot'));
    await waitUntil(() => server.calls('ilink/bot/sendmessage').length === 1, 10_000, 'the held message sent');
    await waitUntil(async () => (await h.store.outbound.get(sent.body.id))!.status === 'sent', 5000, 'the row marked sent');
  });

  it('plugins that need rooms, forward or friend requests say they cannot apply here; echo applies', async () => {
    for (const name of ['forward', 'room-welcome', 'friends', 'echo']) {
      const r = await h.call('PUT', `/api/v1/accounts/${h.bot.id}/plugins/${name}`, { body: { enabled: true } });
      assert.equal(r.status, 200, name);
    }
    const list = await h.call('GET', `/api/v1/accounts/${h.bot.id}/plugins`);
    const by = Object.fromEntries((list.body.items as { name: string; unsupported?: string[]; lastError?: string }[]).map((p) => [p.name, p]));
    assert.deepEqual(by['forward']!.unsupported, ['forward']);
    assert.match(by['forward']!.lastError!, /no forwarding messages between chats \(capability "forward"\)/);
    assert.deepEqual(by['room-welcome']!.unsupported, ['rooms']);
    assert.deepEqual(by['friends']!.unsupported, ['friend-requests', 'rooms']);
    assert.equal(by['echo']!.unsupported, undefined);
    assert.equal(by['echo']!.lastError, undefined);
    // echo answers the owner on the iLink account.
    const before = server.calls('ilink/bot/sendmessage').length;
    server.push(userText(2, 'ping over ilink'));
    await waitUntil(() => server.calls('ilink/bot/sendmessage').length === before + 1, 10_000, 'the echo');
    const echo = server.calls('ilink/bot/sendmessage').at(-1)!.body.msg;
    assert.deepEqual(echo.item_list, [{ type: 1, text_item: { text: 'ping over ilink' } }]);
    assert.equal(echo.context_token, 'ctx-2');
  });
});
