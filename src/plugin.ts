/**
 * The plugin entry point, `weiroto/plugin`: everything a plugin imports, and nothing else of the
 * server. Built-in plugins import it by path (`../../src/plugin.js`); a plugin kept outside the
 * repository (PLUGIN_DIR, or an npm package named `weiroto-plugin-*`) imports it by package name:
 *
 * @example
 *   import { Composer, definePlugin, z } from 'weiroto/plugin';
 *   export const plugin = definePlugin({
 *     name: 'ping', description: 'Answers ping', config: z.object({ answer: z.string().default('pong') }),
 *     setup(api, config) {
 *       const bot = new Composer();
 *       bot.hears('ping', (ctx) => ctx.reply(config.answer));
 *       api.use(bot);
 *     },
 *   });
 */

/** zod, the same instance the server validates with (a plugin's schema must come from it). */
export { z } from 'zod';

export { compose, type Middleware, type Next } from './pipeline/compose.js';
export { Context, UserError } from './pipeline/context.js';
export { Composer, type Predicate, type HearsMatch, type Matched, type OfType } from './pipeline/composer.js';
export {
  definePlugin,
  PluginError,
  type PluginApi,
  type PluginControl,
  type PluginDefinition,
  type ConfigIssue,
  type PluginDisposer,
  type PluginEventName,
  type PluginEventHandler,
  type PluginManifest,
  type PluginStore,
  type UseOptions,
} from './pipeline/plugin.js';
export type { PluginForm, FieldMeta, ItemMeta, Localized, Widget } from './pipeline/plugin-form.js';
export type { AccountStatus, BotHandle, DirectoryView, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from './bot/types.js';
export type { ContactOperations } from './bot/contact-operations.js';
export type { BotEvents } from './bot/events.js';
export type { Contact, Message, MessageType, Room, RoomMember, FriendRequest, RoomJoin, RoomLeave, RoomTopic, Recall } from './transport/model.js';
export type { FileToSend } from './transport/transport.js';
export { UnsupportedError, type Capability } from './transport/capabilities.js';
export type { Clock } from './util/clock.js';
export { PhrasedError, phraseIssue, say, type Phrase, type PhraseBook, type PhraseText } from './util/phrase.js';

// Helpers the built-in plugins share (docs/plugins-builtin.md, "Helpers").
export { chatMatches, personMatches, stripMentions, chatTarget, type ChatLike, type PersonLike } from './pipeline/helpers/chat-match.js';
export { createKeyedQueue, type KeyedQueue } from './pipeline/helpers/keyed-queue.js';
export { createRateLimiter, type WindowLimiter } from './pipeline/helpers/rate-limit.js';
export { splitText, DEFAULT_MESSAGE_LENGTH } from './pipeline/helpers/split-text.js';
export { localTime, inWindow, parseClockTime, isTimeZone, type LocalTime, type TimeWindow } from './pipeline/helpers/local-time.js';
export { loadFile, isUrlSource, staysInside, type LoadFileOptions } from './pipeline/helpers/load-file.js';
export { compileUserRegex, userRegexProblem, UnsafePatternError, type UserRegex } from './pipeline/helpers/user-regex.js';
export { itemOn, itemName, chatsHelp, chatList, mentionOnly, passThrough, timeZone } from './pipeline/helpers/form-parts.js';
