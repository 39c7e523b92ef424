/** The AI plugin's settings (the same schema validates them and draws the panel form). */
import { z } from '../../src/plugin.js';

const list = (what: string) => z.array(z.string()).default([]).describe(what);

export const configSchema = z.object({
  baseUrl: z.string().default('').describe('OpenAI-compatible API base, e.g. https://api.openai.com/v1 (empty = AI_BASE_URL)'),
  apiKey: z.string().default('').meta({ format: 'password', writeOnly: true }).describe('API key, sent as a Bearer token (empty = AI_API_KEY)'),
  model: z.string().default('').describe('Model name, e.g. gpt-4o-mini (empty = AI_MODEL)'),
  systemPrompt: z.string().default('You are a friendly assistant in a WeChat chat. Answer briefly and plainly.').describe('System prompt for this account'),
  chatPrompts: z
    .array(
      z.object({
        enabled: z.boolean().default(true),
        chat: z.string().min(1).describe('Room topic, contact name or id'),
        prompt: z.string().min(1).describe('System prompt in this chat'),
      }),
    )
    .default([])
    .describe('System prompts for particular chats (a #prompt set in the chat wins)'),
  privateTrigger: z
    .enum(['always', 'prefix', 'never'])
    .default('always')
    .describe('Private chats: answer every message, only those starting with the prefix, or none'),
  groupTriggers: z
    .array(z.enum(['mention', 'prefix', 'keywords']))
    .default(['mention'])
    .describe('Groups: answer when @mentioned, on the prefix and/or on keywords (none = never in groups)'),
  prefix: z.string().default('ai').describe('Prefix that asks the AI, e.g. "ai" in "ai: what is…"'),
  keywords: list('Group messages containing any of these words are answered'),
  allowChats: list('Only these chats (empty = all)'),
  denyChats: list('Never these chats'),
  allowPeople: list('Only these people (empty = everyone)'),
  denyPeople: list('Never these people'),
  maxTurns: z.number().int().min(0).default(10).describe('Question/answer pairs remembered per conversation'),
  maxHistoryTokens: z.number().int().min(0).default(2000).describe('Approximate tokens of history sent with each question'),
  memoryMinutes: z.number().min(0).default(60).describe('Forget a conversation after this many minutes of silence (0 = never)'),
  personPerMinute: z.number().int().min(0).default(6).describe('Questions per person per minute (0 = unlimited)'),
  chatPerMinute: z.number().int().min(0).default(20).describe('Questions per chat per minute (0 = unlimited)'),
  rateLimitReply: z.string().default('Please slow down a little and ask again in a minute.').describe('Said once when a limit is hit (empty = stay silent)'),
  timeoutSeconds: z.number().positive().default(30).describe('Give up waiting for the AI after this long'),
  fallbackReply: z
    .string()
    .default('Sorry, I cannot answer right now. Please try again later.')
    .describe('Said when the AI fails or times out (empty = stay silent)'),
  maxMessageLength: z.number().int().min(50).max(4000).default(1500).describe('Longer answers are split into several messages of at most this many characters'),
  temperature: z.number().min(0).max(2).optional().describe('Sampling temperature (empty = the model’s default)'),
  maxReplyTokens: z.number().int().positive().optional().describe('Upper bound on answer length in tokens (empty = the model’s default)'),
  passThrough: z
    .boolean()
    .default(false)
    .describe('Let later plugins see a message the AI answers (off: the AI’s answer ends the chain, so no second plugin answers too)'),
  chatCommands: z.boolean().default(true).describe('Allow #reset (forget this conversation) and #prompt <text> (set this chat’s prompt)'),
});

export type AiConfig = z.infer<typeof configSchema>;
