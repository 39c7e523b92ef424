/** The schedule settings page: the jobs editor and the defaults, in English and Chinese. */
import { chatList, itemOn, timeZone, type PluginForm, type z } from '../../src/plugin.js';
import type { configSchema } from './index.js';

export const form: PluginForm<z.infer<typeof configSchema>> = {
  title: { en: 'Schedule', zh: '定时消息' },
  description: {
    en: 'Sends messages to chats on cron expressions or at a given time, once per occurrence across restarts',
    zh: '按 cron 表达式或指定时间向聊天发送消息，重启后也不会重复发送',
  },
  fields: {
    jobs: {
      label: { en: 'Jobs', zh: '任务' },
      help: {
        en: 'Each job sends one message to its chats, repeating (cron) or once (at).',
        zh: '每个任务向它的聊天发送一条消息，可重复（cron）或一次（指定时间）。',
      },
      widget: 'list',
      item: {
        noun: { en: 'Job', zh: '任务' },
        summary: ['name'],
        toggle: 'enabled',
        fields: {
          name: {
            label: { en: 'Name', zh: '名称' },
            help: { en: 'Unique; also remembers what was already sent', zh: '唯一；也用来记住哪些已经发送过' },
            widget: 'text',
          },
          enabled: itemOn,
          to: chatList({ en: 'Send to', zh: '发送到' }),
          text: {
            label: { en: 'Message', zh: '消息' },
            help: { en: '{date} and {time} are filled in', zh: '会填入 {date} 和 {time}' },
            widget: 'textarea',
          },
          cron: {
            label: { en: 'Repeat (cron)', zh: '重复（cron）' },
            help: { en: 'E.g. “0 9 * * 1-5” = 9:00 on weekdays; empty for a one-off', zh: '例如 “0 9 * * 1-5” = 工作日 9:00；一次性任务留空' },
            widget: 'text',
          },
          at: {
            label: { en: 'Once at', zh: '一次性时间' },
            help: { en: 'E.g. 2025-05-01T09:00 in the time zone; empty when repeating', zh: '例如 2025-05-01T09:00（按时区）；重复任务留空' },
            widget: 'text',
          },
          timezone: timeZone({ en: 'IANA name (empty = the plugin’s)', zh: 'IANA 名称（留空 = 插件的时区）' }),
        },
      },
    },
    timezone: timeZone({
      en: 'Default for jobs: an IANA name such as Asia/Shanghai (empty = the server’s)',
      zh: '任务的默认时区：IANA 名称，例如 Asia/Shanghai（留空 = 服务器时区）',
    }),
    catchUpMinutes: {
      label: { en: 'Catch up after a restart', zh: '重启后补发' },
      help: { en: 'A send missed by at most this long still goes out (once)', zh: '错过不超过这么久的发送仍会补发（一次）' },
      widget: 'duration',
      unit: 'minutes',
    },
  },
};
