/** The auto-reply settings page: the rules editor and the plugin's options, in English and Chinese. */
import { itemName, itemOn, mentionOnly, passThrough, timeZone, type PluginForm, type z } from '../../src/plugin.js';
import type { configSchema } from './index.js';

const DAYS = [
  ['Sun', '周日'],
  ['Mon', '周一'],
  ['Tue', '周二'],
  ['Wed', '周三'],
  ['Thu', '周四'],
  ['Fri', '周五'],
  ['Sat', '周六'],
] as const;

export const form: PluginForm<z.infer<typeof configSchema>> = {
  title: { en: 'Auto-reply', zh: '自动回复' },
  description: {
    en: 'Answers messages by keyword or pattern rules, with scope, templates, cooldowns and time windows',
    zh: '按关键词或规则自动回复，支持适用范围、模板、冷却时间和时间段',
  },
  fields: {
    rules: {
      label: { en: 'Rules', zh: '规则' },
      help: { en: 'Tried from the highest priority down; the first that matches answers.', zh: '按优先级从高到低尝试，第一条匹配的规则回复。' },
      widget: 'list',
      item: {
        noun: { en: 'Rule', zh: '规则' },
        summary: ['name', 'pattern'],
        toggle: 'enabled',
        blank: { match: 'contains', replies: [{ type: 'text', text: '' }] },
        fields: {
          name: itemName,
          enabled: itemOn,
          match: {
            label: { en: 'Match', zh: '匹配方式' },
            widget: 'select',
            options: {
              contains: { en: 'Contains', zh: '包含' },
              exact: { en: 'Is exactly', zh: '完全相同' },
              'starts-with': { en: 'Starts with', zh: '开头是' },
              regex: { en: 'Regular expression', zh: '正则表达式' },
            },
          },
          pattern: {
            label: { en: 'Pattern', zh: '关键词或表达式' },
            help: { en: 'The text to look for, or a regular expression', zh: '要查找的文字，或正则表达式' },
            widget: 'text',
          },
          ignoreCase: { label: { en: 'Ignore case', zh: '忽略大小写' }, widget: 'switch' },
          scope: {
            label: { en: 'Where', zh: '适用范围' },
            widget: 'select',
            options: {
              all: { en: 'All chats', zh: '所有聊天' },
              private: { en: 'Private chats', zh: '私聊' },
              groups: { en: 'Groups', zh: '群聊' },
              chats: { en: 'Only the chats listed', zh: '仅下面列出的聊天' },
            },
          },
          chats: {
            label: { en: 'Chats', zh: '聊天' },
            help: { en: 'For “only the chats listed”: room topics, contact names or ids', zh: '用于“仅下面列出的聊天”：群名、联系人名称或 ID' },
            widget: 'chats',
          },
          mentionOnly,
          replies: {
            label: { en: 'Replies', zh: '回复' },
            help: { en: 'One is picked at random.', zh: '随机选一条。' },
            widget: 'list',
            item: {
              noun: { en: 'Reply', zh: '回复' },
              summary: ['text', 'source'],
              blank: { type: 'text' },
              fields: {
                type: {
                  label: { en: 'Type', zh: '类型' },
                  widget: 'select',
                  options: { text: { en: 'Text', zh: '文字' }, image: { en: 'Image', zh: '图片' }, file: { en: 'File', zh: '文件' } },
                },
                text: {
                  label: { en: 'Text', zh: '文字' },
                  help: {
                    en: 'Placeholders: {sender}, {room}, {time}, {date}, regex groups {1} or {name}',
                    zh: '占位符：{sender}、{room}、{time}、{date}，正则分组 {1} 或 {name}',
                  },
                  widget: 'textarea',
                },
                source: {
                  label: { en: 'Source', zh: '来源' },
                  help: {
                    en: 'For an image or file: an http(s) URL, a data: URL, or a path inside the data folder',
                    zh: '图片或文件：http(s) 网址、data: 网址，或数据目录中的路径',
                  },
                  widget: 'text',
                },
                fileName: { label: { en: 'File name', zh: '文件名' }, help: { en: 'Default: taken from the source', zh: '默认取自来源' }, widget: 'text' },
              },
            },
          },
          probability: { label: { en: 'Probability', zh: '回复概率' }, help: { en: 'Chance of answering, 0–1', zh: '回复的概率，0–1' }, widget: 'number' },
          cooldownSeconds: {
            label: { en: 'Cool-down', zh: '冷却时间' },
            help: { en: 'Silence in the same chat after this rule answered', zh: '本规则回复后，同一聊天内静默这么久' },
            widget: 'duration',
            unit: 'seconds',
          },
          windows: {
            label: { en: 'Time windows', zh: '时间段' },
            help: { en: 'Only answer inside these times (none = always).', zh: '只在这些时间内回复（没有 = 随时）。' },
            widget: 'list',
            item: {
              noun: { en: 'Time window', zh: '时间段' },
              summary: ['from', 'to'],
              blank: { from: '09:00', to: '18:00' },
              fields: {
                days: {
                  label: { en: 'Days', zh: '星期' },
                  help: { en: 'None ticked: every day', zh: '都不勾选：每天' },
                  widget: 'checkboxes',
                  options: Object.fromEntries(DAYS.map(([en, zh], i) => [String(i), { en, zh }])),
                },
                from: { label: { en: 'From', zh: '从' }, help: { en: 'HH:MM, 24 hours', zh: 'HH:MM，24 小时制' }, widget: 'text' },
                to: { label: { en: 'To', zh: '到' }, help: { en: 'HH:MM, 24 hours', zh: 'HH:MM，24 小时制' }, widget: 'text' },
              },
            },
          },
          priority: {
            label: { en: 'Priority', zh: '优先级' },
            help: { en: 'Higher goes first; equal priorities keep list order', zh: '数值高的先试；相同时按列表顺序' },
            widget: 'number',
          },
        },
      },
    },
    timezone: timeZone({
      en: 'For time windows and {time}: an IANA name such as Asia/Shanghai (empty = the server’s)',
      zh: '用于时间段和 {time}：IANA 名称，例如 Asia/Shanghai（留空 = 服务器时区）',
    }),
    passThrough: passThrough({ en: 'Off: a rule’s answer ends the chain.', zh: '关闭时规则回复后链条结束。' }),
    mediaDir: {
      label: { en: 'Media folder', zh: '媒体目录' },
      help: { en: 'Where image and file paths in replies are read from (empty = the data folder)', zh: '回复中图片或文件路径所在的目录（留空 = 数据目录）' },
      widget: 'text',
    },
  },
};
