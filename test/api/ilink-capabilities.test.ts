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

  for (const [path, capability] of [
    ['contacts', 'directory'],
    ['rooms', 'rooms'],
  ] as const) {
    it(`GET /accounts/:id/${path} answers 422 unsupported naming "${capability}"`, async () => {
      const r = await h.call('GET', `/api/v1/accounts/${h.bot.id}/${path}`);
      assert.equal(r.status, 422);
      assert.equal(r.body.error.code, 'unsupported');
      assert.equal(r.body.error.capability, capability);
      assert.match(r.body.error.message, /an iLink account has no/);
    });
  }

  it('a send to a group answers 422 unsupported "rooms"; a send to the owner before they wrote waits, listed with its reason', async () => {
    const room = await h.call('POST', `/api/v1/accounts/${h.bot.id}/messages`, { body: { to: { room: 'Family' }, text: 'hi' } });
    assert.equal(room.status, 422);
    assert.equal(room.body.error.capability, 'rooms');
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
