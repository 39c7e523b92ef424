/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload must be CommonJS */
// Runs the unmodified npm package `wechat4u` (started with the wechat4u-hosts.cjs preload) and
// reports what it sees as JSON lines on stdout; it replies "echo: <text>" to every text message
// that is not its own, and exits on SIGTERM.
'use strict';
const Wechat = require('wechat4u');

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const bot = new Wechat();
bot.on('uuid', (uuid) => out({ event: 'uuid', uuid }));
bot.on('login', () => out({ event: 'login', user: bot.user.UserName, nick: bot.user.NickName }));
bot.on('contacts-updated', () => out({ event: 'contacts', count: Object.keys(bot.contacts).length }));
bot.on('error', (err) => out({ event: 'error', message: String((err && err.tips) || '') + ' ' + String(err && err.message) }));
bot.on('logout', () => out({ event: 'logout' }));
bot.on('message', (msg) => {
  out({ event: 'message', type: msg.MsgType, from: msg.FromUserName, self: msg.isSendBySelf, content: msg.Content, original: msg.OriginalContent });
  if (msg.MsgType === bot.CONF.MSGTYPE_TEXT && !msg.isSendBySelf) {
    const group = msg.FromUserName.startsWith('@@');
    const text = group ? msg.Content.replace(/^[^\n]*:\n/, '') : msg.Content;
    bot
      .sendMsg('echo: ' + text, msg.FromUserName)
      .then((r) => out({ event: 'sent', to: msg.FromUserName, msgId: r.MsgID }))
      .catch((err) => out({ event: 'error', message: 'send ' + String(err && err.message) }));
  }
});
bot.start();
process.on('SIGTERM', () => process.exit(0));
