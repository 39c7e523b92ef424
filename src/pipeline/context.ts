/**
 * One Context per incoming message: the read-only message, the bot handle, a `state` bag shared by
 * the plugins down the chain, a scoped logger, typed getters and reply verbs. Thin on purpose:
 * getters read from the message, verbs delegate to `bot.send` (durable, paced queue).
 */
import type { Logger } from 'pino';
import type { Contact, Message, MessageType, Room } from '../transport/model.js';
import type { FileToSend } from '../transport/transport.js';
import type { TraceStep } from './trace.js';
import type { BotHandle, OutboundRecord, OutgoingContent, SendTarget } from '../bot/types.js';

/** A message safe to show to the chat (style.md §9); anything else thrown is logged, not sent. */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly expose = true;
}

export class Context {
  /** Shared by the plugins that handle this message (one plugin can leave data for the next). */
  readonly state: Record<string, unknown> = {};
  /** Set by `hears` (the RegExp match or the string) and `command` (the arguments). */
  match: RegExpMatchArray | string | undefined;
  /** The plugin running now (set by the host's boundary; names the `source` of replies). */
  plugin: string | undefined;
  /** Plugins that replied to this message. */
  readonly repliedBy = new Set<string>();
  /** The decision trace being built for this message (one step per plugin that ran). */
  readonly trace: TraceStep[] = [];
  /** Where failures of background work (`fork`) go; the plugin host points it at its boundary. */
  errorSink: ((error: unknown, plugin: string | undefined) => void) | undefined;
  /** Where answers still being worked on after the chain returned (`working`) go; the account runtime shows "typing…" until they settle. */
  workSink: ((work: Promise<unknown>) => void) | undefined;

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

  /** Report a failure of background work under the plugin that started it. */
  reportError(error: unknown, plugin: string | undefined = this.plugin): void {
    if (this.errorSink) this.errorSink(error, plugin);
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
    this.workSink?.(work);
    return work;
  }

  /** Whether anyone has replied to this message so far. */
  get replied(): boolean {
    return this.repliedBy.size > 0;
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
    if (this.plugin) this.repliedBy.add(this.plugin);
    else this.repliedBy.add('(unnamed)');
    return this.bot.send({ id: chatId }, body, {
      source: this.plugin ? `plugin:${this.plugin}` : 'pipeline',
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
        source: this.plugin ? `plugin:${this.plugin}` : 'pipeline',
      },
    );
  }
}
