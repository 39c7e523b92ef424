/** The AI plugin's settings page: labels, help and widgets in English and Chinese. */
import { chatsHelp, itemOn, passThrough, type PluginForm } from '../../src/plugin.js';
import type { AiConfig } from './config.js';

const emptyAllChats = { en: 'Empty: all chats', zh: '留空：所有聊天' };
const peopleHelp = { en: 'Contact names, remarks or ids; empty: everyone', zh: '联系人名称、备注或 ID；留空：所有人' };

export const form: PluginForm<AiConfig> = {
  title: { en: 'AI chat', zh: 'AI 对话' },
  description: { en: 'Answers with an OpenAI-compatible model, remembering each conversation', zh: '用兼容 OpenAI 的模型回答，并记住每段对话' },
  fields: {
    baseUrl: {
      label: { en: 'API base URL', zh: '接口地址' },
      help: {
        en: 'OpenAI-compatible API base, e.g. https://api.openai.com/v1. Empty: the server’s AI_BASE_URL.',
        zh: '兼容 OpenAI 的接口地址，例如 https://api.openai.com/v1；留空则用服务器的 AI_BASE_URL。',
      },
      widget: 'text',
    },
    apiKey: {
      label: { en: 'API key', zh: 'API 密钥' },
      help: { en: 'Sent as a Bearer token. Empty: the server’s AI_API_KEY.', zh: '以 Bearer 令牌发送；留空则用服务器的 AI_API_KEY。' },
      widget: 'secret',
    },
    model: {
      label: { en: 'Model', zh: '模型' },
      help: { en: 'E.g. gpt-4o-mini. Empty: AI_MODEL.', zh: '例如 gpt-4o-mini；留空则用 AI_MODEL。' },
      widget: 'text',
    },
    systemPrompt: {
      label: { en: 'System prompt', zh: '系统提示词' },
      help: { en: 'How the AI behaves in every chat of this account.', zh: '告诉 AI 在本账号的所有聊天中如何表现。' },
      widget: 'textarea',
      translatedDefault: {
        en: 'You are a friendly assistant in a WeChat chat. Answer briefly and plainly.',
        zh: '你是微信聊天里一位友好的助手。请简短、平实地回答。',
      },
    },
    chatPrompts: {
      label: { en: 'Prompts for particular chats', zh: '指定聊天的提示词' },
      help: { en: 'A #prompt set in the chat itself wins.', zh: '聊天里用 #prompt 设置的提示词优先。' },
      widget: 'list',
      item: {
        noun: { en: 'Prompt', zh: '提示词' },
        summary: ['chat'],
        toggle: 'enabled',
        fields: {
          enabled: itemOn,
          chat: { label: { en: 'Chat', zh: '聊天' }, help: chatsHelp, widget: 'chat' },
          prompt: { label: { en: 'Prompt', zh: '提示词' }, help: { en: 'The system prompt in this chat', zh: '此聊天中使用的系统提示词' }, widget: 'textarea' },
        },
      },
    },
    privateTrigger: {
      label: { en: 'Private chats', zh: '私聊' },
      widget: 'select',
      options: {
        always: { en: 'Answer every message', zh: '回答每条消息' },
        prefix: { en: 'Only messages starting with the prefix', zh: '只回答以前缀开头的消息' },
        never: { en: 'Never answer', zh: '从不回答' },
      },
    },
    groupTriggers: {
      label: { en: 'In groups, answer when', zh: '群聊中何时回答' },
      help: { en: 'None ticked: never in groups.', zh: '都不勾选：群聊中从不回答。' },
      widget: 'checkboxes',
      options: {
        mention: { en: 'the account is @-mentioned', zh: '被 @ 时' },
        prefix: { en: 'the message starts with the prefix', zh: '消息以前缀开头' },
        keywords: { en: 'the message contains a keyword', zh: '消息包含关键词' },
      },
    },
    prefix: { label: { en: 'Prefix', zh: '前缀' }, help: { en: 'E.g. "ai" in "ai: what is…"', zh: '例如 “ai: 这是什么” 中的 “ai”' }, widget: 'text' },
    keywords: {
      label: { en: 'Keywords', zh: '关键词' },
      help: { en: 'Group messages containing any of these are answered.', zh: '群消息包含其中任一词时回答。' },
      widget: 'lines',
    },
    allowChats: { label: { en: 'Only in these chats', zh: '只在这些聊天中' }, help: emptyAllChats, widget: 'chats' },
    denyChats: { label: { en: 'Never in these chats', zh: '从不在这些聊天中' }, widget: 'chats' },
    allowPeople: { label: { en: 'Only for these people', zh: '只回答这些人' }, help: peopleHelp, widget: 'lines' },
    denyPeople: { label: { en: 'Never for these people', zh: '从不回答这些人' }, widget: 'lines' },
    maxTurns: {
      label: { en: 'Turns remembered', zh: '记住的轮数' },
      help: { en: 'Question/answer pairs remembered per conversation.', zh: '每段对话记住的问答对数。' },
      widget: 'number',
    },
    maxHistoryTokens: {
      label: { en: 'History sent (tokens)', zh: '附带的历史（token）' },
      help: { en: 'Approximate tokens of history sent with each question.', zh: '每次提问附带的历史大约多少 token。' },
      widget: 'number',
    },
    memoryMinutes: {
      label: { en: 'Forget after', zh: '多久后遗忘' },
      help: { en: 'Forget a conversation after this much silence (0 = never).', zh: '对话沉默这么久后遗忘（0 = 从不）。' },
      widget: 'duration',
      unit: 'minutes',
    },
    personPerMinute: {
      label: { en: 'Questions per person per minute', zh: '每人每分钟提问数' },
      help: { en: '0 = unlimited', zh: '0 = 不限' },
      widget: 'number',
    },
    chatPerMinute: {
      label: { en: 'Questions per chat per minute', zh: '每个聊天每分钟提问数' },
      help: { en: '0 = unlimited', zh: '0 = 不限' },
      widget: 'number',
    },
    rateLimitReply: {
      label: { en: 'Reply when over the limit', zh: '超出限制时的回复' },
      help: { en: 'Said once when a limit is hit (empty = stay silent).', zh: '达到限制时说一次（留空 = 不说话）。' },
      widget: 'text',
      translatedDefault: { en: 'Please slow down a little and ask again in a minute.', zh: '请稍慢一点，一分钟后再问。' },
    },
    timeoutSeconds: {
      label: { en: 'Time-out', zh: '超时' },
      help: { en: 'Give up waiting for the AI after this long.', zh: '等待 AI 超过这么久就放弃。' },
      widget: 'duration',
      unit: 'seconds',
    },
    fallbackReply: {
      label: { en: 'Reply when the AI fails', zh: 'AI 出错时的回复' },
      help: { en: 'Said when the AI fails or times out (empty = stay silent).', zh: 'AI 出错或超时时说（留空 = 不说话）。' },
      widget: 'text',
      translatedDefault: { en: 'Sorry, I cannot answer right now. Please try again later.', zh: '抱歉，我现在无法回答，请稍后再试。' },
    },
    maxMessageLength: {
      label: { en: 'Longest message (characters)', zh: '单条消息最长（字符）' },
      help: { en: 'Longer answers are split into several messages (50–4000).', zh: '更长的回答会拆成几条消息（50–4000）。' },
      widget: 'number',
    },
    temperature: {
      label: { en: 'Temperature', zh: '温度' },
      help: { en: 'Sampling temperature, 0–2 (empty = the model’s default).', zh: '采样温度，0–2（留空 = 模型默认）。' },
      widget: 'number',
    },
    maxReplyTokens: {
      label: { en: 'Longest answer (tokens)', zh: '回答最长（token）' },
      help: { en: 'Empty = the model’s default.', zh: '留空 = 模型默认。' },
      widget: 'number',
    },
    passThrough: passThrough({
      en: 'Off: the AI’s answer ends the chain, so no second plugin answers too.',
      zh: '关闭时 AI 回答后链条结束，不会有第二个插件再回答。',
    }),
    chatCommands: {
      label: { en: 'Chat commands', zh: '聊天命令' },
      help: {
        en: 'Allow #reset (forget this conversation) and #prompt <text> (set this chat’s prompt).',
        zh: '允许 #reset（忘记本段对话）和 #prompt <文字>（设置本聊天的提示词）。',
      },
      widget: 'switch',
    },
  },
};
