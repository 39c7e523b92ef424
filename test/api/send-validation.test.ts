import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, until, type Harness } from './harness.js';

describe('POST /api/v1/accounts/:id/messages validates the whole request before anything is queued', () => {
  let h: Harness;
  let friend: string;

  before(async () => {
    h = await startHarness();
    const st = await h.sb.control.state(true);
    friend = st.accounts[0]!.friends.find((f) => (f as { kind?: string }).kind === 'friend')!.nickname;
  });
  after(async () => {
    await h?.close();
  });

  const sentTexts = async (text: string): Promise<number> => (await h.sb.control.sent({ since: 0 })).messages.filter((m) => m.text === text).length;

  it('answers 400 to ?wait=soon, queues and sends nothing; the corrected retry with the same Idempotency-Key sends once', async () => {
    const path = `/api/v1/accounts/${h.bot.id}/messages`;
    const body = { to: { name: friend }, text: 'wait-validation once' };
    const headers = { 'idempotency-key': 'wait-check-1' };
    const outboundBefore = (await h.store.outbound.list(h.bot.id, { limit: 500 })).length;

    const bad = await h.call('POST', `${path}?wait=soon`, { body, headers });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'bad_request');
    assert.match(bad.body.error.message, /wait/);
    for (const w of ['-5', '1e3', '120001']) assert.equal((await h.call('POST', `${path}?wait=${w}`, { body })).status, 400, `wait=${w}`);
    // Nothing was written: no outbound row, and the sandbox never saw the text.
    assert.equal((await h.store.outbound.list(h.bot.id, { limit: 500 })).length, outboundBefore);

    const good = await h.call('POST', `${path}?wait=10000`, { body, headers });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.status, 'sent');
    await h.bot.queue.idle();
    assert.equal(await sentTexts(body.text), 1);
    // The same corrected request again replays the answer and sends nothing more.
    const again = await h.call('POST', `${path}?wait=10000`, { body, headers });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    await until(async () => (await sentTexts(body.text)) >= 1);
    assert.equal(await sentTexts(body.text), 1);
  });

  it('answers 422 naming an id, name or topic the account does not know, with nothing fetched or queued', async () => {
    const path = `/api/v1/accounts/${h.bot.id}/messages`;
    const outboundBefore = (await h.store.outbound.list(h.bot.id, { limit: 500 })).length;
    // A file URL that must not be fetched for a refused target.
    let fetched = 0;
    const files: Server = createServer((_req, res) => {
      fetched++;
      res.end('GIF89a');
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/cat.gif`;
    try {
      for (const [to, field, named] of [
        [{ id: '@0123456789abcdef0123456789abcdef' }, 'to.id', '@0123456789abcdef0123456789abcdef'],
        [{ name: 'Nobody Anywhere' }, 'to.name', 'Nobody Anywhere'],
        [{ room: 'No Such Group' }, 'to.room', 'No Such Group'],
      ] as const) {
        for (const content of [{ text: 'to nobody' }, { url, type: 'image' }]) {
          const r = await h.call('POST', path, { body: { to, ...content } });
          assert.equal(r.status, 422, JSON.stringify(r.body));
          assert.equal(r.body.error.code, 'target_not_found');
          assert.ok(r.body.error.message.includes(`"${named}"`), r.body.error.message);
          assert.equal(r.body.error.details[0].path, field);
        }
      }
    } finally {
      await new Promise((r) => files.close(r));
    }
    assert.equal(fetched, 0, 'no URL was fetched');
    assert.equal((await h.store.outbound.list(h.bot.id, { limit: 500 })).length, outboundBefore, 'nothing queued');
    assert.equal(await sentTexts('to nobody'), 0);
    // A known id still sends.
    const known = h.bot.directory.find(friend)!.id;
    const ok = await h.call('POST', `${path}?wait=10000`, { body: { to: { id: known }, text: 'to a known id' } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});
