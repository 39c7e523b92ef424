/**
 * What WeChat's error codes mean, in a sentence a user can act on, in both panel languages: the
 * web protocol's BaseResponse.Ret / synccheck retcode (../shared/protocol.md §9) and iLink's
 * ret / errcode (../shared/ilink.md §8). The panel shows the sentence beside every send failure
 * and logout reason that carries a code.
 */
import type { Locale } from './i18n.js';

type Sentence = Record<Locale, string>;

const WEB: Record<number, Sentence> = {
  [-1]: {
    en: 'WeChat refused the request without saying why: often an unknown or expired chat id (chat ids change at each login), a recall after 2 minutes, or a passing fault.',
    'zh-CN': '微信拒绝了请求且未说明原因：常见于聊天 ID 未知或已过期（每次登录 ID 都会变）、超过 2 分钟撤回，或临时故障。',
  },
  [-2]: { en: 'WeChat found the request inconsistent (a logic error on its side).', 'zh-CN': '微信认为请求不一致（其内部逻辑错误）。' },
  1: { en: 'WeChat could not read the request (malformed).', 'zh-CN': '微信无法读取该请求（格式错误）。' },
  1100: {
    en: 'The session no longer exists: the account was logged out on the phone (or WeChat lost the session). Scan the QR code again.',
    'zh-CN': '会话已不存在：账号已在手机上退出（或微信丢失了会话）。请重新扫码。',
  },
  1101: {
    en: 'The session is no longer valid: another web or desktop login took it, or it expired. Scan the QR code again.',
    'zh-CN': '会话已失效：被其他网页版或桌面版登录顶掉，或已过期。请重新扫码。',
  },
  1102: {
    en: 'The session is no longer valid (cookies and session do not match, or it expired). Scan the QR code again.',
    'zh-CN': '会话已失效（Cookie 与会话不匹配，或已过期）。请重新扫码。',
  },
  1200: { en: 'WeChat could not parse the request.', 'zh-CN': '微信无法解析该请求。' },
  1201: { en: 'The group no longer exists.', 'zh-CN': '该群聊已不存在。' },
  1203: {
    en: 'This account may not log in to WeChat on the web (or the login environment looks unusual to WeChat).',
    'zh-CN': '该账号不能登录网页版微信（或微信认为登录环境异常）。',
  },
  1204: {
    en: 'WeChat does not allow sending to this chat: a person who is not a friend, or the account itself (use File Transfer for notes).',
    'zh-CN': '微信不允许发送到此聊天：对方不是好友，或是账号自己（备忘请用“文件传输助手”）。',
  },
  1205: {
    en: 'WeChat is limiting how often this account acts: wait a while before sending or changing more.',
    'zh-CN': '微信正在限制该账号的操作频率：请稍等一会儿再发送或修改。',
  },
};

const ILINK: Record<number, Sentence> = {
  [-14]: {
    en: 'The bot token is no longer valid: the WeChat account was bound to another back end, or it was idle too long. Scan the QR code again.',
    'zh-CN': '机器人令牌已失效：该微信账号已绑定到其他后端，或闲置太久。请重新扫码。',
  },
  [-2]: {
    en: 'WeChat did not deliver: the 24-hour reply window is closed, the quota of sends per message is used up, or sends are rate limited. It goes out after the user writes again.',
    'zh-CN': '微信未送达：24 小时回复窗口已关闭、每条消息的回复次数已用完，或发送受限。对方再次发消息后会发出。',
  },
  [-3]: {
    en: 'WeChat found the request invalid: an unknown recipient, or no conversation token from that user yet.',
    'zh-CN': '微信认为请求无效：收件人未知，或尚未收到该用户的会话令牌。',
  },
};

/** The codes a message names ("Ret 1100", "retcode 1101", "errcode -14", "ret -2"), in order. */
export function codesIn(text: string): number[] {
  return [...text.matchAll(/\b(?:Ret|retcode|errcode|ret)\s*[:=]?\s*(-?\d+)/gi)].map((m) => Number(m[1]));
}

/**
 * The sentence for a WeChat code of this transport, in this language (undefined for an unknown code).
 *
 * @example
 *   wechatCodeMeaning('web', 1205, 'en'); // 'WeChat is limiting how often this account acts: …'
 */
export function wechatCodeMeaning(transport: string | undefined, code: number, locale: Locale): string | undefined {
  const table = transport === 'ilink' ? ILINK : WEB;
  return table[code]?.[locale];
}

/**
 * What a failure means: the sentence for its code, or for the first code its message names.
 * Templates get it as `explain(transport, message, code)`.
 */
export function explainWechatError(transport: string | undefined, message: string | undefined, code: number | undefined, locale: Locale): string | undefined {
  const codes = code !== undefined ? [code] : codesIn(message ?? '');
  for (const c of codes) {
    const s = wechatCodeMeaning(transport, c, locale);
    if (s) return s;
  }
  return undefined;
}
