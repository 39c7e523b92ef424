/**
 * Server-generated texts (MsgType 10000 and a few error/notice strings) in the two languages the
 * `lang` parameter selects (protocol.md §10.9, §15 #52). Trailing spaces are as observed.
 */
import type { Lang } from './session.js';

const joinList = (names: string[]): string => names.join('、');

export const texts = {
  youInvited: (l: Lang, names: string[]): string =>
    l === 'en_US' ? `You invited ${joinList(names)} to the group chat.   ` : `你邀请"${joinList(names)}"加入了群聊  `,
  invited: (l: Lang, by: string, names: string[]): string =>
    l === 'en_US' ? `${by} invited ${joinList(names)} to the group chat` : `"${by}"邀请"${joinList(names)}"加入了群聊`,
  joinedByQr: (l: Lang, who: string, sharer: string): string =>
    l === 'en_US' ? `"${who}" joined the group chat via the QR Code shared by "${sharer}".` : `"${who}"通过扫描"${sharer}"分享的二维码加入群聊`,
  youRemoved: (l: Lang, who: string): string => (l === 'en_US' ? `You removed "${who}" from the group chat` : `你将"${who}"移出了群聊`),
  youWereRemoved: (l: Lang, by: string): string => (l === 'en_US' ? `You were removed from the group chat by "${by}"` : `你被"${by}"移出群聊`),
  renamed: (l: Lang, by: string, topic: string): string => (l === 'en_US' ? `"${by}" changed the group name to "${topic}"` : `"${by}"修改群名为“${topic}”`),
  youRenamed: (l: Lang, topic: string): string => (l === 'en_US' ? `You changed the group name to "${topic}"` : `你修改群名为“${topic}”`),
  youAdded: (l: Lang, name: string): string =>
    l === 'en_US' ? `You have added ${name} as your WeChat contact. Start chatting!` : `你已添加了${name}，现在可以开始聊天了。`,
  addedYou: (l: Lang, name: string): string =>
    l === 'en_US' ? `${name} just added you to his/her contacts list. Send a message to him/her now!` : `${name}刚刚把你添加到通讯录，现在可以开始聊天了。`,
  recalledBy: (l: Lang, name: string): string => (l === 'en_US' ? `"${name}" recalled a message` : `"${name}" 撤回了一条消息`),
  youRecalled: (l: Lang): string => (l === 'en_US' ? 'You recalled a message' : '你撤回了一条消息'),
  revokeIntro: (l: Lang): string =>
    l === 'en_US'
      ? 'You can recall messages sent within 2 minutes (not supported by some old versions of WeChat).'
      : '你可以撤回2分钟内发送的消息（部分旧版本微信不支持这个功能）。',
  revokeWording: (l: Lang): string => (l === 'en_US' ? 'Recalled' : '已撤回'),
  barred: (l: Lang): string =>
    l === 'en_US'
      ? 'For account security, newly registered WeChat accounts are unable to log in to Web WeChat. You can use WeChat for Windows or WeChat for Mac to log in.'
      : '当前登录环境异常。为了你的帐号安全，暂时不能登录web微信。你可以通过手机客户端或者windows微信登录。',
  ticketUsed: (l: Lang): string => (l === 'en_US' ? 'Login failed. Please scan again.' : '登录失败，请重新扫描二维码。'),
  freq: (l: Lang): string => (l === 'en_US' ? 'Operation too frequent' : '操作太频繁，请稍后再试'),
  redPacket: (l: Lang): string => (l === 'en_US' ? 'Red packet received. View on phone.' : '收到红包，请在手机上查看'),
};
