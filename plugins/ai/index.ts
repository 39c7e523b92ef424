/**
 * ai: answers with any OpenAI-compatible chat-completions endpoint. Memory per conversation (per
 * person in private chats, per room in groups) lives in the plugin store (SQLite), trimmed by
 * turns, tokens and age. The call runs in a queue per conversation, off the pipeline, so other
 * plugins and other chats never wait for the endpoint.
 */
import { createKeyedQueue, createRateLimiter, definePlugin, splitText, stripMentions, type Context } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { AiError, complete, type ChatMessage } from './client.js';
import { configSchema } from './config.js';
import { chatKey, conversationKey, isAllowed, systemPrompt } from './conversation.js';
import { stripReasoning, trimTurns, type Turn } from './memory.js';
import { question } from './triggers.js';
import { form } from './form.js';
import { AI_PHRASES } from './phrases.js';

export { configSchema } from './config.js';

interface Memory {
  turns: Turn[];
  updatedAt: number;
}

export const plugin = definePlugin({
  ...manifest,
  phrases: AI_PHRASES,
  config: configSchema,
  /** The panel's "Test connection": one short question to the model, with the plugin's own client and key. */
  async probe(api, config) {
    return complete(api.http, api.clock, {
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      model: config.model,
      messages: [{ role: 'user', content: 'Reply with one short sentence to confirm you are reachable.' }],
      timeoutMs: config.timeoutSeconds * 1000,
      temperature: config.temperature,
      maxTokens: config.maxReplyTokens,
    });
  },
  form,
  setup(api, config) {
    const queue = createKeyedQueue();
    const stop = new AbortController(); // switched off: stop waiting for the endpoint
    const perPerson = createRateLimiter({ limit: config.personPerMinute, windowMs: 60_000 });
    const perChat = createRateLimiter({ limit: config.chatPerMinute, windowMs: 60_000 });
    const warned = new Map<string, number>(); // rate-limit notice: once per window per key
    const limits = {
      maxTurns: config.maxTurns,
      maxTokens: config.maxHistoryTokens,
      expiryMs: config.memoryMinutes * 60_000,
    };

    const loadMemory = async (key: string, now: number): Promise<Turn[]> => {
      const m = await api.store.get<Memory>(`memory:${key}`);
      return m ? trimTurns(m.turns, limits, now) : [];
    };

    const say = async (ctx: Context, text: string): Promise<void> => {
      for (const part of splitText(text, config.maxMessageLength)) await api.send({ id: ctx.chatId }, part, { replyTo: ctx.message.id });
    };

    /** The slow part, queued per conversation: ask, remember, answer (or apologise). */
    const answer = async (ctx: Context, key: string, q: string): Promise<void> => {
      const now = api.clock.now();
      const history = await loadMemory(key, now);
      const content = ctx.isGroup ? `${ctx.senderName}: ${q}` : q;
      const messages: ChatMessage[] = [
        { role: 'system', content: await systemPrompt(config, api.store, ctx) },
        ...history.map(({ role, content: c }) => ({ role, content: c })),
        { role: 'user', content },
      ];
      let reply: string;
      try {
        reply = stripReasoning(
          await complete(api.http, api.clock, {
            baseUrl: config.baseUrl,
            apiKey: config.apiKey,
            model: config.model,
            messages,
            timeoutMs: config.timeoutSeconds * 1000,
            temperature: config.temperature,
            maxTokens: config.maxReplyTokens,
            signal: stop.signal,
          }),
        );
      } catch (e) {
        if (!(e instanceof AiError)) throw e;
        if (e.kind === 'cancelled') return;
        // The user gets the apology; the operator gets the reason (plugin errors, Logs page, log).
        ctx.reportError(e, 'ai');
        if (config.fallbackReply) await say(ctx, config.fallbackReply);
        return;
      }
      if (!reply) reply = config.fallbackReply;
      const at = api.clock.now();
      const turns = trimTurns([...history, { role: 'user', content, at: now }, { role: 'assistant', content: reply, at }], limits, at);
      await api.store.set(`memory:${key}`, { turns, updatedAt: at } satisfies Memory);
      if (reply) await say(ctx, reply);
    };

    api.use(async (ctx, next) => {
      if (ctx.type !== 'text' || !isAllowed(config, ctx)) return next();
      const self = api.bot.self;
      const names = [self?.name, ctx.room?.members.find((m) => m.id === self?.id)?.displayName];
      const withoutMention = ctx.isGroup ? stripMentions(ctx.text, names) : ctx.text.trim();
      const key = conversationKey(ctx);

      if (config.chatCommands) {
        if (/^#reset$/i.test(withoutMention)) {
          // Through the queue, so an answer still in flight cannot write the old memory back.
          await queue.run(key, async () => void (await api.store.delete(`memory:${key}`)));
          await ctx.reply('OK, I have forgotten this conversation.');
          return;
        }
        const p = /^#prompt(?:\s+([\s\S]*))?$/i.exec(withoutMention);
        if (p) {
          const text = (p[1] ?? '').trim();
          if (!text) await ctx.reply(`The prompt here is: ${await systemPrompt(config, api.store, ctx)}`);
          else if (text.toLowerCase() === 'off') {
            await api.store.delete(`prompt:${chatKey(ctx)}`);
            await ctx.reply('OK, back to the default prompt.');
          } else {
            await api.store.set(`prompt:${chatKey(ctx)}`, text);
            await ctx.reply('OK, I will use that prompt in this chat.');
          }
          return;
        }
      }

      const q = question(config, {
        text: ctx.text,
        isGroup: ctx.isGroup,
        mentionsSelf: ctx.mentionsSelf,
        withoutMention,
      });
      if (q === undefined) return next();
      const now = api.clock.now();
      const personKey = `${ctx.chatId}\u0000${ctx.message.senderId}`;
      if (!perPerson.take(personKey, now) || !perChat.take(ctx.chatId, now)) {
        const last = warned.get(personKey);
        if (config.rateLimitReply && (last === undefined || now - last >= 60_000)) {
          warned.set(personKey, now);
          await ctx.reply(config.rateLimitReply);
        }
        return;
      }
      // Not awaited: the pipeline goes on while the endpoint thinks; failures reach the boundary.
      // ctx.working: "typing…" shows (where the transport can) until the answer is out; willReply: the trace counts it.
      ctx.willReply();
      ctx.working(queue.run(key, () => answer(ctx, key, q))).catch((e: unknown) => ctx.reportError(e, 'ai'));
      // The AI answers this one: later plugins see it only when asked to (like auto-reply).
      return config.passThrough ? next() : undefined;
    });

    api.onDispose(async () => {
      stop.abort();
      await queue.idle();
    });
  },
});
