/**
 * MsgType 10000 system texts about groups and friends (§10.9), in Chinese and English, turned into
 * structured facts. Names in these texts are display names, not ids. Pure functions.
 */

export type SystemFact =
  | { kind: 'room-join'; names: string[]; inviterName?: string; via: 'invite' | 'qrcode'; bySelf: boolean }
  | { kind: 'room-leave'; names: string[]; removerName?: string; self: boolean }
  | { kind: 'room-topic'; topic: string; changerName: string; bySelf: boolean }
  | { kind: 'friend-added'; name: string; bySelf: boolean };

const QUOTES = /^[\s"“”'「」]+|[\s"“”'「」]+$/g;

/** Strip surrounding quotes/spaces from a display name. */
function clean(name: string): string {
  return name.replace(QUOTES, '');
}

/** Split an invitee list: `、` on both servers, `, ` / ` and ` on some English texts. */
function names(list: string): string[] {
  return list
    .split(/、|,\s+|\s+and\s+/)
    .map(clean)
    .filter((n) => n.length > 0);
}

const SELF = /^(you|你)$/i;

interface Rule {
  re: RegExp;
  build(m: RegExpExecArray): SystemFact;
}

// Order matters: the QR patterns must be tried before the generic invite ones.
const RULES: Rule[] = [
  // --- join via QR code
  {
    re: /^"?(.+?)"? joined (?:the )?group chat via (?:the )?QR code you shared\.?$/i,
    build: (m) => ({ kind: 'room-join', names: names(m[1]!), via: 'qrcode', bySelf: true }),
  },
  {
    re: /^"?(.+?)"? joined (?:the )?group chat via (?:the )?QR code shared by "?(.+?)"?\.?$/i,
    build: (m) => ({ kind: 'room-join', names: names(m[1]!), inviterName: clean(m[2]!), via: 'qrcode', bySelf: false }),
  },
  {
    re: /^"?(.+?)"?通过扫描你分享的二维码加入群聊/,
    build: (m) => ({ kind: 'room-join', names: names(m[1]!), via: 'qrcode', bySelf: true }),
  },
  {
    re: /^"?(.+?)"?通过扫描"?(.+?)"?分享的二维码加入群聊/,
    build: (m) => ({ kind: 'room-join', names: names(m[1]!), inviterName: clean(m[2]!), via: 'qrcode', bySelf: false }),
  },
  // --- join by invitation
  {
    re: /^(You|"?.+?"?) invited (.+?) to (?:the )?group chat\.?$/i,
    build: (m) => {
      const self = SELF.test(m[1]!);
      return { kind: 'room-join', names: names(m[2]!), ...(self ? {} : { inviterName: clean(m[1]!) }), via: 'invite', bySelf: self };
    },
  },
  {
    re: /^(你|"?.+?"?)邀请(.+?)加入了群聊/,
    build: (m) => {
      const self = SELF.test(m[1]!);
      return { kind: 'room-join', names: names(m[2]!), ...(self ? {} : { inviterName: clean(m[1]!) }), via: 'invite', bySelf: self };
    },
  },
  // --- removal
  {
    re: /^You removed (.+?) from the group chat\.?$/i,
    build: (m) => ({ kind: 'room-leave', names: names(m[1]!), self: false }),
  },
  {
    re: /^你将(.+?)移出了群聊/,
    build: (m) => ({ kind: 'room-leave', names: names(m[1]!), self: false }),
  },
  {
    re: /^You were removed from the group chat by "?(.+?)"?\.?$/i,
    build: (m) => ({ kind: 'room-leave', names: [], removerName: clean(m[1]!), self: true }),
  },
  {
    re: /^你被"?(.+?)"?移出群聊/,
    build: (m) => ({ kind: 'room-leave', names: [], removerName: clean(m[1]!), self: true }),
  },
  // --- topic
  {
    re: /^(You|"?.+?"?) changed the group name to "(.*)"\.?$/i,
    build: (m) => ({ kind: 'room-topic', topic: m[2]!, changerName: SELF.test(m[1]!) ? m[1]! : clean(m[1]!), bySelf: SELF.test(m[1]!) }),
  },
  {
    re: /^(你|"?.+?"?)修改群名为[“"](.*)[”"]$/,
    build: (m) => ({ kind: 'room-topic', topic: m[2]!, changerName: SELF.test(m[1]!) ? m[1]! : clean(m[1]!), bySelf: SELF.test(m[1]!) }),
  },
  // --- friends
  {
    re: /^You have added (.+?) as your WeChat contact\. Start chatting!?$/i,
    build: (m) => ({ kind: 'friend-added', name: clean(m[1]!), bySelf: true }),
  },
  {
    re: /^你已添加了(.+?)，现在可以开始聊天了。?$/,
    build: (m) => ({ kind: 'friend-added', name: clean(m[1]!), bySelf: true }),
  },
  {
    re: /^(.+?) just added you to his\/her contacts list\. Send a message to him\/her now!?$/i,
    build: (m) => ({ kind: 'friend-added', name: clean(m[1]!), bySelf: false }),
  },
  {
    re: /^(.+?)刚刚把你添加到通讯录，现在可以开始聊天了。?$/,
    build: (m) => ({ kind: 'friend-added', name: clean(m[1]!), bySelf: false }),
  },
];

/**
 * Recognise a decoded 10000 text. Trailing spaces and embedded links are ignored.
 *
 * @example parseSystemText('"Bob" changed the group name to "Team"') // {kind:'room-topic', topic:'Team', …}
 */
export function parseSystemText(text: string): SystemFact | undefined {
  // Embedded links (`<a href="weixin://…">撤销</a>`) and trailing spaces carry no facts.
  const t = (text.indexOf('<') === -1 ? text : text.replace(/<a\b[^>]*>.*?<\/a>/g, '').replace(/<[^>]+>/g, '')).trim();
  if (t.length === 0 || t.length > 2000) return undefined;
  for (const rule of RULES) {
    const m = rule.re.exec(t);
    if (m) return rule.build(m);
  }
  return undefined;
}
