/** The friends settings page: accepting, welcoming and room invitations, in English and Chinese. */
import { itemOn, type PluginForm, type z } from '../../src/plugin.js';
import type { configSchema } from './index.js';

export const form: PluginForm<z.infer<typeof configSchema>> = {
  title: { en: 'Friends', zh: '好友' },
  description: {
    en: 'Accepts friend requests by keyword with a welcome, and invites people into rooms by keyword',
    zh: '按关键词通过好友申请并发送欢迎语，按关键词邀请进群',
  },
  fields: {
    autoAccept: { label: { en: 'Accept friend requests', zh: '自动通过好友申请' }, widget: 'switch' },
    keywords: {
      label: { en: 'Keywords', zh: '关键词' },
      help: { en: 'Accept only when the greeting contains one of these (empty = everyone)', zh: '验证消息包含其中之一时才通过（留空 = 全部通过）' },
      widget: 'lines',
    },
    welcome: {
      label: { en: 'Welcome message', zh: '欢迎消息' },
      help: { en: 'Sent after accepting ({name}); empty = nothing', zh: '通过后发送（{name}）；留空 = 不发送' },
      widget: 'textarea',
      translatedDefault: { en: 'Hi {name}, nice to meet you!', zh: '你好 {name}，很高兴认识你！' },
    },
    invites: {
      label: { en: 'Room invitations', zh: '入群邀请' },
      help: { en: 'Invite people into a room when they ask by keyword.', zh: '有人发关键词时邀请其入群。' },
      widget: 'list',
      item: {
        noun: { en: 'Invitation', zh: '邀请' },
        summary: ['keyword'],
        toggle: 'enabled',
        fields: {
          enabled: itemOn,
          keyword: {
            label: { en: 'Keyword', zh: '关键词' },
            help: {
              en: 'A private message (or friend-request greeting) containing this asks for an invitation',
              zh: '私聊消息（或好友验证消息）包含此词即请求邀请',
            },
            widget: 'text',
          },
          rooms: {
            label: { en: 'Rooms', zh: '群' },
            help: { en: 'Room topics or ids; the one with the fewest members is used', zh: '群名或 ID；选人数最少的群' },
            widget: 'chats',
          },
          message: {
            label: { en: 'Message after inviting', zh: '邀请后的消息' },
            help: { en: '{room}, {name}; empty = nothing', zh: '{room}、{name}；留空 = 不发送' },
            widget: 'text',
            translatedDefault: { en: 'Invitation to {room} sent.', zh: '已发送 {room} 的入群邀请。' },
          },
          repeatMessage: {
            label: { en: 'Message when already in', zh: '已在群中时的消息' },
            help: { en: 'Said when they are already in (or were invited to) one of the rooms', zh: '对方已在（或已被邀请进）其中一个群时说' },
            widget: 'text',
            translatedDefault: { en: 'You are already in {room}.', zh: '你已经在 {room} 里了。' },
          },
        },
      },
    },
    maxRoomSize: {
      label: { en: 'Largest room', zh: '群人数上限' },
      help: { en: 'Rooms with this many members are skipped', zh: '达到这么多成员的群会被跳过' },
      widget: 'number',
    },
  },
};
