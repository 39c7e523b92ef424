/** The room-welcome settings page: the greetings editor, in English and Chinese. */
import { itemOn, type PluginForm, type z } from '../../src/plugin.js';
import type { configSchema } from './index.js';

export const form: PluginForm<z.infer<typeof configSchema>> = {
  title: { en: 'Room welcome', zh: '入群欢迎' },
  description: { en: 'Greets people who join a room, with a template per room', zh: '有人加入群聊时打招呼，每个群可用不同的欢迎语' },
  fields: {
    greetings: {
      label: { en: 'Greetings', zh: '欢迎语' },
      help: { en: 'The first greeting whose rooms match is used.', zh: '使用第一条群匹配的欢迎语。' },
      widget: 'list',
      item: {
        noun: { en: 'Greeting', zh: '欢迎语' },
        summary: ['template'],
        toggle: 'enabled',
        fields: {
          enabled: itemOn,
          rooms: {
            label: { en: 'Rooms', zh: '群' },
            help: { en: 'Room topics or ids (empty = every room)', zh: '群名或 ID（留空 = 所有群）' },
            widget: 'chats',
          },
          template: {
            label: { en: 'Greeting', zh: '欢迎语' },
            help: {
              en: 'Placeholders: {names} (with @), {room}, {inviter} (this account’s name when it invited them), {count}',
              zh: '占位符：{names}（带 @）、{room}、{inviter}（本账号邀请时为本账号名称）、{count}',
            },
            widget: 'textarea',
            translatedDefault: { en: 'Welcome {names} to {room}!', zh: '欢迎 {names} 加入 {room}！' },
          },
        },
      },
    },
    mention: { label: { en: 'Write names as @name', zh: '用 @名字 称呼' }, widget: 'switch' },
    greetInvitedBySelf: { label: { en: 'Also greet people this account invited', zh: '也欢迎本账号邀请的人' }, widget: 'switch' },
  },
};
