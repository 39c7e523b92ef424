/* eslint-disable @typescript-eslint/no-require-imports -- runs as plain CommonJS next to the wechat4u package */
// The wechat4u echo bot of the comparison benchmark: the unmodified npm package `wechat4u`,
// started with the test/helpers/wechat4u-hosts.cjs preload (real host names → the sandbox's TLS
// port). Every text that is not its own is answered with the same text, to the sender or into the
// room, the moment wechat4u emits it (wechat4u sends each reply at once, no queue).
//
// JSON lines on stdout: {"event":"uuid"}, {"event":"login"}, {"event":"contacts", friends, rooms,
// roomsWithMembers} after every contacts-updated, {"event":"ready", …} once the address book holds
// EXPECT_FRIENDS friends and EXPECT_ROOMS groups, {"event":"members", …} if and when every one of
// those groups also has its member list, {"event":"error"} for what wechat4u reports.
'use strict';
const Wechat = require('wechat4u');

const expectFriends = Number(process.env.EXPECT_FRIENDS || 0);
const expectRooms = Number(process.env.EXPECT_ROOMS || 0);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const bot = new Wechat();
let ready = false;
let members = false;
let sent = 0;
let failed = 0;

bot.on('uuid', (uuid) => out({ event: 'uuid', uuid }));
bot.on('login', () => out({ event: 'login' }));
bot.on('contacts-updated', () => {
  if (ready && members) return;
  let friends = 0;
  let rooms = 0;
  let withMembers = 0;
  for (const name in bot.contacts) {
    const c = bot.contacts[name];
    if (name.startsWith('@@')) {
      rooms++;
      if (c.MemberList && c.MemberList.length > 0) withMembers++;
    } else if (name.startsWith('@')) friends++;
  }
  const counts = { friends, rooms, roomsWithMembers: withMembers };
  if (!ready && friends >= expectFriends && rooms >= expectRooms) {
    ready = true;
    out({ event: 'ready', ...counts });
  }
  if (!members && rooms >= expectRooms && withMembers >= expectRooms) {
    members = true;
    out({ event: 'members', ...counts });
  }
});
bot.on('error', (err) => out({ event: 'error', message: String((err && err.tips) || '') + ' ' + String(err && err.message) }));
bot.on('logout', () => out({ event: 'logout' }));
bot.on('message', (msg) => {
  if (msg.MsgType !== bot.CONF.MSGTYPE_TEXT || msg.isSendBySelf) return;
  // wechat4u keeps the "sender:\n" prefix of group texts in Content.
  const text = msg.FromUserName.startsWith('@@') ? msg.Content.replace(/^[^\n]*:\n/, '') : msg.Content;
  bot.sendMsg(text, msg.FromUserName).then(
    () => sent++,
    (err) => {
      failed++;
      out({ event: 'error', message: 'send ' + String(err && err.message) });
    },
  );
});
bot.start();
process.on('SIGTERM', () => {
  out({ event: 'stats', sent, failed });
  process.exit(0);
});
