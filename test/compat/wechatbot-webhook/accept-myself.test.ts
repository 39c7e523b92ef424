// ACCEPT_RECVD_MSG_MYSELF: only `true` makes the callback carry the account's own messages, the ones
// sent through the API included (from = the account, to = the recipient, isMsgFromSelf "1").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCompatHarness, until, TOKEN } from './harness.js';
import { startReceiver } from './receiver.js';

for (const accept of ['true', 'false'] as const) {
  describe(`ACCEPT_RECVD_MSG_MYSELF=${accept}`, () => {
    it(accept === 'true' ? 'posts a message sent through the API as the account’s own' : 'posts nothing for own messages', async () => {
      const rx = await startReceiver();
      const h = await startCompatHarness({ RECVD_MSG_API: rx.url, ACCEPT_RECVD_MSG_MYSELF: accept });
      try {
        const friend = h.bot.directory.contacts().find((c) => c.kind === 'friend')!;
        const text = `own message ${accept}`;
        const res = await fetch(`${h.origin}/webhook/msg/v2?token=${TOKEN}`, {
          method: 'POST',
          body: JSON.stringify({ to: friend.name, data: { content: text } }),
        });
        assert.equal(((await res.json()) as { success: boolean }).success, true);
        // A friend's message after it: callbacks of one chat arrive in order, so once this one is in, the own one would be too.
        await h.sb.control.sendMessage({ from: friend.name, text: 'after the own message' });
        await until('the friend’s callback', () => rx.got.find((c) => c.fields.content === 'after the own message'));
        const own = rx.got.find((c) => c.fields.content === text);
        if (accept === 'false') return assert.equal(own, undefined);
        assert.ok(own, 'the own message was posted');
        assert.equal(own.fields.isMsgFromSelf, '1');
        assert.equal(own.source.from.payload.name, h.bot.self!.name);
        assert.equal(own.source.to.payload.name, friend.name);
      } finally {
        await h.close();
        await rx.close();
      }
    });
  });
}
