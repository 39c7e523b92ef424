/**
 * One Context per incoming message: the read-only message, the bot handle, a `state` bag shared by
 * the plugins down the chain, a scoped logger, typed getters and reply verbs. Thin on purpose:
 * getters read from the message, verbs delegate to `bot.send` (durable, paced queue).
 */
import type { Logger } from 'pino';
import type { Contact, Message, MessageType, Room } from '../transport/model.js';
import type { FileToSend } from '../transport/transport.js';
import { HOST, type ContextHostState } from './context-host.js';
import type { BotHandle, OutboundRecord, OutgoingContent, SendTarget } from '../bot/types.js';

/** A message safe to show to the chat (style.md §9); anything else thrown is logged, not sent. */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly expose = true;
}

export class Context {
  /** Shared by the plugins that handle this message (one plugin can leave data for the next). */
  readonly state: Record<string, unknown> = {};
  /**
   * Set by `hears` (the RegExp match or the string) and `command` (the arguments). Inside their
   * handlers the context type says it is set, so no `!` is needed.
   */
  match: RegExpMatchArray | string | undefined;
  /** The host's bookkeeping (running plugin, who replied, trace, where failures and late answers go); not part of the plugin API. */
  readonly [HOST]: ContextHostState = { plugin: undefined, repliedBy: new Set(), trace: [], errorSink: undefined, workSink: undefined };

  constructor(
    readonly message: Readonly<Message>,
    readonly bot: BotHandle,
    readonly log: Logger,
  ) {}

  get text(): string {
    return this.message.text;
  }

  get type(): MessageType {
    return this.message.type;
  }

  get chatId(): string {
    return this.message.chatId;
  }

  get isGroup(): boolean {
    return this.message.roomId !== undefined;
  }

  get isSelf(): boolean {
    return this.message.isSelf;
  }

  get mentionsSelf(): boolean {
    return this.message.mentionsSelf;
  }

  /** The sender as a contact, when the account knows them (group members may be strangers). */
  get sender(): Contact | undefined {
    return this.bot.directory.contact(this.message.senderId);
  }

  /**
   * The name to call the sender by, in this order: the remark this account gave them; in a group,
   * their display name in that group; their nickname; the name the message came with; their id.
   */
  get senderName(): string {
    const c = this.sender;
    const member = this.room?.members.find((m) => m.id === this.message.senderId);
    return c?.remark || member?.displayName || c?.name || member?.name || this.message.senderName || this.message.senderId;
  }

  get room(): Room | undefined {
    return this.message.roomId === undefined ? undefined : this.bot.directory.room(this.message.roomId);
  }

  /** Report a failure of background work under the plugin that started it (default: the one running now). */
  reportError(error: unknown, plugin: string | undefined = this[HOST].plugin): void {
    const sink = this[HOST].errorSink;
    if (sink) sink(error, plugin, this.message.id);
    else this.log.error({ err: error, plugin }, 'background middleware failed');
  }

  /**
   * Say that an answer is still being worked on after this middleware returns (an AI call that runs
   * beside the chain): where the transport can show "typing…" (iLink), it stays on until `work` settles.
   *
   * @example
   *   ctx.working(queue.run(key, () => answer(ctx))).catch((e) => ctx.reportError(e));
   */
  working<T>(work: Promise<T>): Promise<T> {
    this[HOST].workSink?.(work);
    return work;
  }

  /** Whether anyone has replied to this message so far. */
  get replied(): boolean {
    return this[HOST].repliedBy.size > 0;
  }

  /**
   * Announce that the running plugin answers this message later, in the background (a model call
   * off the pipeline): the trace counts it as a reply, and fallbacks such as echo stay quiet.
   *
   * @example
   *   ctx.willReply();
   *   queue.run(key, () => answer(ctx)).catch((e) => ctx.reportError(e));
   */
  willReply(): void {
    this[HOST].repliedBy.add(this[HOST].plugin ?? '(unnamed)');
  }

  /**
   * Answer in the same conversation: into the room for group messages, else to the sender.
   * Resolves once the reply is queued (durably), not when WeChat accepted it.
   *
   * @example
   *   composer.hears('ping', (ctx) => ctx.reply('pong'));
   */
  reply(content: string | OutgoingContent): Promise<OutboundRecord> {
    const chatId = this.message.chatId;
    if (!chatId) return Promise.reject(new Error('reply() needs a conversation: this message has no chat id'));
    const body: OutgoingContent = typeof content === 'string' ? { type: 'text', text: content } : content;
    const plugin = this[HOST].plugin;
    this[HOST].repliedBy.add(plugin ?? '(unnamed)');
    return this.bot.send({ id: chatId }, body, {
      source: plugin ? `plugin:${plugin}` : 'pipeline',
      replyTo: this.message.id,
    });
  }

  replyImage(file: FileToSend): Promise<OutboundRecord> {
    return this.reply({ type: 'image', file });
  }

  replyFile(file: FileToSend): Promise<OutboundRecord> {
    return this.reply({ type: 'file', file });
  }

  /** Forward this message to another chat. */
  forward(to: SendTarget): Promise<OutboundRecord> {
    return this.bot.send(
      to,
      { type: 'forward', message: this.message },
      {
        source: this[HOST].plugin ? `plugin:${this[HOST].plugin}` : 'pipeline',
      },
    );
  }
}
