// The sandbox's switches for behaviours the reference marks uncertain or optional, each checked on
// the wire: idle expiry, deflate, skey rotation, legacy cancel (408), push-login refusals and the
// invite threshold of addmember.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { inflateSync } from 'node:zlib';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { RawClient } from './raw-client.js';

async function withSandbox(options: Parameters<typeof startSandbox>[0], fn: (sb: RunningSandbox) => Promise<void>): Promise<void> {
  const sb = await startSandbox({ holdMs: 150, contacts: 10, rooms: 2, roomSize: 5, ...options });
  try {
    await fn(sb);
  } finally {
    await sb.close();
  }
}

async function loggedIn(sb: RunningSandbox): Promise<RawClient> {
  const c = new RawClient(sb.origin);
  await c.login(sb.control);
  return c;
}

/** A raw request that keeps the body compressed (fetch would inflate it silently). */
function rawPost(
  origin: string,
  host: string,
  path: string,
  body: unknown,
  cookie: string,
  agent?: Agent,
): Promise<{ headers: Record<string, unknown>; body: Buffer; reusedSocket: boolean }> {
  const u = new URL(origin + path);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        headers: { 'x-wechat-host': host, cookie, 'accept-encoding': 'deflate', 'content-type': 'application/json' },
        ...(agent && { agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('sandbox switches', () => {
  it('idleExpiryMs: a session without requests dies with 1101', async () => {
    // Idle time is read from the sandbox's clock, moved by hand: a slow machine cannot make the session look idle early.
    const clock = new FakeClock(Date.now());
    await withSandbox({ idleExpiryMs: 60_000, clock }, async (sb) => {
      const c = await loggedIn(sb);
      await clock.advance(60_000);
      assert.match(await c.synccheck(), /retcode:"0"/);
      await clock.advance(60_001);
      assert.equal(await c.synccheck(), 'window.synccheck={retcode:"1101",selector:"0"}');
    });
  });

  it('deflate: JSON bodies are deflate-encoded for clients that accept it', async () => {
    await withSandbox({ deflate: true }, async (sb) => {
      const c = await loggedIn(sb);
      const cookie = [...(c as unknown as { cookies: Map<string, string> }).cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const r = await rawPost(sb.origin, c.webHost, `/cgi-bin/mmwebwx-bin/webwxinit?r=1&pass_ticket=${c.passTicket}`, { BaseRequest: c.base() }, cookie);
      assert.equal(r.headers['content-encoding'], 'deflate');
      const j = JSON.parse(inflateSync(r.body).toString('utf8')) as { BaseResponse: { Ret: number } };
      assert.equal(j.BaseResponse.Ret, 0);
    });
  });

  it('keepAlive: JSON connections stay open for a keep-alive client; by default every JSON answer closes its connection', async () => {
    for (const keepAlive of [false, true]) {
      await withSandbox({ keepAlive }, async (sb) => {
        const c = await loggedIn(sb);
        const cookie = [...(c as unknown as { cookies: Map<string, string> }).cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const init = (): ReturnType<typeof rawPost> =>
            rawPost(sb.origin, c.webHost, `/cgi-bin/mmwebwx-bin/webwxinit?r=1&pass_ticket=${c.passTicket}`, { BaseRequest: c.base() }, cookie, agent);
          const first = await init();
          // The socket goes back to the agent's free list only after 'end'; let that tick pass.
          await new Promise((r) => setImmediate(r));
          const second = await init();
          assert.equal(first.headers.connection, keepAlive ? 'keep-alive' : 'close', `keepAlive=${keepAlive}`);
          assert.equal(second.reusedSocket, keepAlive, `keepAlive=${keepAlive}: the second call ${keepAlive ? 'reuses' : 'cannot reuse'} the socket`);
        } finally {
          agent.destroy();
        }
      });
    }
  });

  it('rotateSkey: every webwxsync returns a new non-empty SKey that the session then accepts', async () => {
    await withSandbox({ rotateSkey: true }, async (sb) => {
      const c = await loggedIn(sb);
      const first = await c.sync();
      assert.equal(first.BaseResponse.Ret, 0);
      assert.match(String(first.SKey), /^@crypt_/);
      assert.notEqual(first.SKey, c.skey);
      c.skey = String(first.SKey);
      const second = await c.sync();
      assert.equal(second.BaseResponse.Ret, 0);
      assert.notEqual(second.SKey, first.SKey);
    });
  });

  it('cancelCode 408: a phone-side cancel answers 408 and the same QR can be scanned again', async () => {
    await withSandbox({ cancelCode: 408 }, async (sb) => {
      const c = new RawClient(sb.origin);
      await c.jslogin();
      await sb.control.scan({ uuid: c.uuid });
      assert.match(await c.poll(1), /^window\.code=201;/);
      await sb.control.cancel({ uuid: c.uuid });
      assert.equal(await c.poll(0), 'window.code=408;');
      await sb.control.scan({ uuid: c.uuid });
      assert.match(await c.poll(1), /^window\.code=201;/);
    });
  });

  for (const [ret, msg] of [
    ['2', 'antispam'],
    ['3', 'device authinfo invalid'],
  ] as const) {
    it(`pushLoginRet ${ret}: push login is refused with "${msg}"; without cookies it is "args error"`, async () => {
      await withSandbox({ pushLoginRet: ret }, async (sb) => {
        const c = await loggedIn(sb);
        const refused = await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxpushloginurl?uin=${c.uin}`);
        assert.deepEqual(refused.json(), { ret, msg });
        const anon = new RawClient(sb.origin);
        const noCookies = await anon.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxpushloginurl?uin=${c.uin}`);
        assert.deepEqual(noCookies.json(), { ret: '1', msg: 'args error' });
      });
    });
  }

  it('enforceInviteStart: addmember on a group of 40+ fails, invitemember works', async () => {
    await withSandbox({ contacts: 60, rooms: 1, roomSize: 45 }, async (sb) => {
      const c = await loggedIn(sb);
      const init = await c.init();
      const room = String(init.ChatSet)
        .split(',')
        .find((n) => n.startsWith('@@'))!;
      const contacts = (
        await c.request(c.webHost, `/cgi-bin/mmwebwx-bin/webwxgetcontact?pass_ticket=${c.passTicket}&skey=${encodeURIComponent(c.skey)}&seq=0&r=1`)
      ).json();
      const members = (await c.post('webwxbatchgetcontact?type=ex&r=1', { Count: 1, List: [{ UserName: room, EncryChatRoomId: '' }] })).json() as unknown as {
        ContactList: { MemberList: { UserName: string }[] }[];
      };
      const inRoom = new Set(members.ContactList[0]!.MemberList.map((m) => m.UserName));
      const outsider = (contacts.MemberList as { UserName: string; VerifyFlag: number }[]).find(
        (m) => m.UserName.startsWith('@') && !m.UserName.startsWith('@@') && m.VerifyFlag === 0 && !inRoom.has(m.UserName) && m.UserName !== c.user,
      )!;
      assert.ok(outsider, 'a friend who is not in the room');
      const add = (await c.post('webwxupdatechatroom?fun=addmember', { ChatRoomName: room, AddMemberList: outsider.UserName })).json();
      assert.notEqual(add.BaseResponse.Ret, 0, 'addmember refused at 40+ members');
      const invite = (await c.post('webwxupdatechatroom?fun=invitemember', { ChatRoomName: room, InviteMemberList: outsider.UserName })).json();
      assert.equal(invite.BaseResponse.Ret, 0);
    });
  });
});
