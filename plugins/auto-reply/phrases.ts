/** What the auto-reply plugin says about rules it refuses, in English and Chinese (see src/util/phrase.ts). */
import type { PhraseBook } from '../../src/plugin.js';

export const RULE_PHRASES = {
  'clock-time': { en: 'use HH:MM, e.g. 09:30', zh: '请用 HH:MM 格式，例如 09:30' },
  'text-needs-text': { en: 'a text reply needs text', zh: '文字回复需要填写内容' },
  'file-needs-source': { en: 'an {type} reply needs a source (URL or data path)', zh: '图片或文件回复需要来源（网址或数据目录中的路径）' },
  'bad-regex': { en: 'invalid regular expression: {problem}', zh: '正则表达式无效：{problem}' },
  'chats-needs-chat': { en: 'scope "chats" needs at least one chat', zh: '范围为“指定聊天”时至少要填一个聊天' },
  'source-outside': {
    en: '"{source}" leads out of the media folder; use a path inside "{folder}" or a URL',
    zh: '“{source}”指向媒体目录之外；请用“{folder}”里的路径或网址',
  },
  'source-outside-data': {
    en: '"{source}" leads out of the media folder; use a path inside the data folder (relative, without ..) or a URL',
    zh: '“{source}”指向媒体目录之外；请用数据目录里的相对路径（不含 ..）或网址',
  },
} satisfies PhraseBook;
