/** What the schedule plugin says about jobs it refuses, in English and Chinese (see src/util/phrase.ts). */
import type { PhraseBook } from '../../src/plugin.js';

export const SCHEDULE_PHRASES = {
  'name-twice': { en: 'job name "{name}" is used twice', zh: '任务名“{name}”用了两次' },
  'unknown-zone': { en: 'unknown time zone', zh: '不认识的时区' },
  'unknown-zone-hint': { en: 'unknown time zone (use an IANA name such as Asia/Shanghai)', zh: '不认识的时区（请用 IANA 名称，例如 Asia/Shanghai）' },
  'no-chat': { en: 'no group or contact "{entry}" in this account', zh: '本账号里没有叫“{entry}”的群聊或联系人' },
  'needs-time': { en: 'a job needs a cron expression (repeating) or an at time (once)', zh: '任务需要 cron 表达式（重复）或一个时间点（一次）' },
  'cron-or-at': { en: 'set cron or at, not both', zh: 'cron 和时间点只能设一个' },
  'bad-cron': { en: 'invalid cron expression "{cron}"', zh: 'cron 表达式“{cron}”无效' },
  'bad-at': { en: 'use YYYY-MM-DDTHH:MM (optionally with seconds and an offset)', zh: '请用 YYYY-MM-DDTHH:MM 格式（可带秒和时区偏移）' },
} satisfies PhraseBook;
