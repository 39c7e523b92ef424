/**
 * The original's answer texts, word for word (wechatbot-webhook v2.8.2): scripts compare these
 * strings, so they are kept with their typos and spacing.
 */
export const API_REFERENCE = 'https://github.com/danni-cool/wechatbot-webhook#%EF%B8%8F-api';

export const ANSWERS = {
  unauthorized: 'Unauthorized: Access is denied due to invalid credentials.',
  mustLogin: 'you must login first',
  sent: 'Message sent successfully',
  sentFailed: 'Message sent failed',
  invalidV2: `Some params is not valid, sending task is suspend, please checkout before sending message! You can find API reference right there (${API_REFERENCE})`,
  allFailed: (total: number) => `All Messages (${total}) sent failed, look up data of task for more detail`,
  partial: 'Part of the message sent successfully, look up data of task for more detail',
  notJson: 'request body is not a valid json! checkout please.',
  unknown: 'Unknown Server Error',
  /** v1: the reasons joined with a full-width comma; note the two spaces before "is". */
  invalidV1: (reasons: string) => `[${reasons}] params  is not valid, please checkout the api reference (${API_REFERENCE})`,
  roomByObject: `群名只支持群昵称，please checkout the api reference (${API_REFERENCE})`,
  userNotFound: 'User is not found',
  roomNotFound: 'Room is not found',
  resourceFailed: '获取资源失败',
  aliasNotJson: 'to 参数发消息给备注名， json string 格式不正确',
  /** `Contact<NAME>is already login` (no space before "is", as Wechaty's Contact#toString runs into it). */
  alreadyLogin: (name: string) => `Contact<${name}>is already login`,
  // weiroto's own (additive, for accounts whose sends can be held): never "failed", so scripts do not retry into duplicates.
  held: (pending: number) => `Message accepted; ${pending} still queued (reply window, quota or pacing) and sent later, look up task.pending for more detail`,
  noGroups: 'iLink accounts have no groups',
} as const;

/** Reasons are joined with the full-width comma, as the original does. */
export const REASON_SEPARATOR = '，';
