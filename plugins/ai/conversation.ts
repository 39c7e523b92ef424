/** Who the AI is talking to: conversation keys, allow/deny lists and the prompt of a chat. */
import { chatMatches, personMatches, type Context, type PluginStore } from '../../src/plugin.js';
import type { AiConfig } from './config.js';

/** Memory key: per person in private chats, per room in groups; stable ids survive a new login. */
export function conversationKey(ctx: Context): string {
  return ctx.isGroup ? `room:${ctx.room?.stableId ?? ctx.chatId}` : `person:${ctx.sender?.stableId ?? ctx.message.senderId}`;
}

/** Key of the chat itself (for a `#prompt` set there). */
export function chatKey(ctx: Context): string {
  return ctx.room?.stableId ?? ctx.sender?.stableId ?? ctx.chatId;
}

const chatOf = (ctx: Context) => ({
  chatId: ctx.chatId,
  room: ctx.room,
  peer: ctx.isGroup ? undefined : ctx.sender,
});

/** Whether the allow and deny lists let this message through (deny wins). */
export function isAllowed(config: AiConfig, ctx: Context): boolean {
  const chat = chatOf(ctx);
  const person = {
    id: ctx.message.senderId,
    contact: ctx.sender,
    member: ctx.room?.members.find((m) => m.id === ctx.message.senderId),
    name: ctx.message.senderName,
  };
  if (chatMatches(config.denyChats, chat) || personMatches(config.denyPeople, person)) return false;
  if (config.allowChats.length && !chatMatches(config.allowChats, chat)) return false;
  return !config.allowPeople.length || personMatches(config.allowPeople, person);
}

/** The system prompt here: a `#prompt` set in the chat, then the configured chat prompt, then the account's. */
export async function systemPrompt(config: AiConfig, store: PluginStore, ctx: Context): Promise<string> {
  return (
    (await store.get<string>(`prompt:${chatKey(ctx)}`)) ??
    config.chatPrompts.find((p) => p.enabled && chatMatches([p.chat], chatOf(ctx)))?.prompt ??
    config.systemPrompt
  );
}
