/** The forward settings page: the routes editor, in English and Chinese. */
import { chatList, itemName, itemOn, type PluginForm, type z } from '../../src/plugin.js';
import type { configSchema } from './index.js';

export const form: PluginForm<z.infer<typeof configSchema>> = {
  title: { en: 'Forward', zh: '消息转发' },
  description: {
    en: 'Relays messages between chats with filters and a source prefix, without loops',
    zh: '在聊天之间转发消息，可过滤并加来源前缀，不会循环',
  },
  fields: {
    routes: {
      label: { en: 'Routes', zh: '转发路线' },
      help: { en: 'A message matching several routes reaches each target once.', zh: '匹配多条路线的消息，每个目标只收到一次。' },
      widget: 'list',
      item: {
        noun: { en: 'Route', zh: '路线' },
        summary: ['name'],
        toggle: 'enabled',
        fields: {
          name: itemName,
          enabled: itemOn,
          from: chatList({ en: 'From', zh: '来源' }),
          to: chatList({ en: 'To', zh: '目标' }),
          types: {
            label: { en: 'Message types', zh: '消息类型' },
            help: { en: 'None ticked: all that can be relayed', zh: '都不勾选：所有可转发的类型' },
            widget: 'checkboxes',
            options: {
              text: { en: 'Text', zh: '文字' },
              image: { en: 'Image', zh: '图片' },
              video: { en: 'Video', zh: '视频' },
              file: { en: 'File', zh: '文件' },
              emoticon: { en: 'Sticker', zh: '表情' },
              link: { en: 'Link', zh: '链接' },
              location: { en: 'Location', zh: '位置' },
            },
          },
          keywords: {
            label: { en: 'Keywords', zh: '关键词' },
            help: {
              en: 'Only texts containing one of these (empty = all); with keywords, media is not relayed',
              zh: '只转发包含其中之一的文字（留空 = 全部）；设置关键词后不转发图片、文件等媒体',
            },
            widget: 'lines',
          },
          senders: {
            label: { en: 'Senders', zh: '发送人' },
            help: { en: 'Only from these people (empty = everyone)', zh: '只转发这些人的消息（留空 = 所有人）' },
            widget: 'lines',
          },
          prefix: {
            label: { en: 'Prefix', zh: '前缀' },
            help: { en: 'Put before relayed text ({room}, {sender}); empty = none', zh: '加在转发的文字前（{room}、{sender}）；留空 = 不加' },
            widget: 'text',
          },
        },
      },
    },
    hopMarker: {
      label: { en: 'Loop marker', zh: '防循环标记' },
      help: { en: 'Invisible mark on relayed texts; marked texts are never relayed again', zh: '转发文字上的隐形标记；带标记的文字不会再被转发' },
      widget: 'text',
    },
  },
};
