/**
 * The plugin contract (design.md "Plugins", style.md §6–7): a module with a name, a description,
 * a zod config schema with defaults, and `setup(api, config)` that registers middleware and event
 * handlers through the `api` it receives and may return a disposer.
 */
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../util/clock.js';
import type { BotHandle, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from '../bot/types.js';
import type { BotEvents } from '../bot/events.js';
import type { ContactOperations } from '../bot/contact-operations.js';
import type { PluginEventName } from '../bot/event-vocabulary.js';
import type { Middleware } from './compose.js';
import type { Composer } from './composer.js';
import type { Context } from './context.js';
import type { Capability } from '../transport/capabilities.js';
import type { PluginForm } from './plugin-form.js';
import type { Phrase, PhraseBook } from '../util/phrase.js';
import { messageOf } from '../util/error-text.js';

/** Bot events a plugin can listen to with `api.on` (the event vocabulary's `plugins` rows). */
export type { PluginEventName } from '../bot/event-vocabulary.js';

export type PluginEventHandler<E extends PluginEventName> = (payload: BotEvents[E]) => unknown;

/** A small JSON key-value store scoped to one plugin on one account. */
export interface PluginStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(): Promise<{ key: string; value: unknown }[]>;
}

export interface UseOptions {
  /**
   * Also receive this account's own messages (sent from the phone or by the bot itself). Off by
   * default so that a plugin cannot answer itself in a loop.
   */
  self?: boolean;
}

export interface PluginApi<Config = unknown> {
  /** The plugin's name. */
  readonly name: string;
  /** The account this instance serves. */
  readonly account: string;
  /** The validated config (same object `setup` receives). */
  readonly config: Config;
  /** Add middleware (or a Composer) to the incoming pipeline, at this plugin's position. */
  use(middleware: Middleware<Context> | Composer<Context>, options?: UseOptions): void;
  /** Listen to a bot event; errors are reported under the plugin's name. */
  on<E extends PluginEventName>(event: E, handler: PluginEventHandler<E>): void;
  /** Send through the account's durable, paced queue (source `plugin:<name>`). */
  send(to: SendTarget, content: OutgoingContent | string, options?: SendOptions): Promise<OutboundRecord>;
  /** The account: identity, directory, send, capabilities, status (not its transport). */
  readonly bot: BotHandle;
  /**
   * Accept friend requests, add friends, set remarks, manage room members and topics. A call the
   * account's transport cannot make rejects with UnsupportedError (e.g. friend requests on iLink).
   */
  readonly contacts: ContactOperations;
  /** Logger named `plugin:<name>`. */
  readonly log: Logger;
  readonly store: PluginStore;
  /** An axios instance for this plugin (created on first use). */
  readonly http: AxiosInstance;
  readonly clock: Clock;
  /** DATA_DIR: where a plugin may read and write files of its own. */
  readonly dataDir: string;
  /** The account's plugins: list them and switch them on or off (management plugins). */
  readonly plugins: PluginControl;
  /** Run `fn` when the plugin is disabled, reconfigured or the account stops. */
  onDispose(fn: () => void | Promise<void>): void;
}

export interface PluginControl {
  list(): { name: string; enabled: boolean; errors: number }[];
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
}

export type PluginDisposer = () => void | Promise<void>;

export interface PluginDefinition<S extends z.ZodType = z.ZodType> {
  /** Kebab-case, unique; appears in logs, errors, settings and database keys. */
  name: string;
  description: string;
  /** zod schema with defaults: validates settings, fills defaults and draws the panel form. */
  config: S;
  /** Labels, help and widgets of the settings page, in English and Chinese (see plugin-form.ts). */
  form?: PluginForm<z.infer<S>>;
  /**
   * The plugin's sentences for people (its settings checks, its errors) by code, in English and
   * Chinese: a custom schema issue with `params: { phrase: code, … }`, a `check` issue's `phrase`
   * or a thrown `PhrasedError` names one, and the panel says it in the reader's language.
   */
  phrases?: PhraseBook;
  /**
   * Where the plugin goes in a new account's chain: lower runs first (default 50). Plugins that
   * control others go first (admin-commands: 0); catch-alls last (echo: 100).
   */
  chainPosition?: number;
  /**
   * What the account's transport must offer for this plugin to apply (e.g. `['rooms']`). On an
   * account without them the plugin is not set up and reports which capability is missing.
   */
  requires?: readonly Capability[];
  /**
   * Checks that need the account, run at save after the schema passed (API, panel): e.g. that the
   * chats a setting names exist. Each issue refuses the config and is shown beside its field.
   */
  check?(config: z.infer<S>, account: { bot: BotHandle }): ConfigIssue[];
  setup(api: PluginApi<z.infer<S>>, config: z.infer<S>): void | PluginDisposer | Promise<void | PluginDisposer>;
  /**
   * A one-off check of the plugin's outside connection with the saved settings (the panel's "Test
   * connection" button): resolves with what the other side answered, rejects with why it failed.
   * It gets the same `api` as `setup` (the guarded `api.http`, the filled config) but registers nothing.
   */
  probe?(api: PluginApi<z.infer<S>>, config: z.infer<S>): Promise<string>;
}

/**
 * What is known of a plugin before its code is loaded: a built-in plugin's `manifest.ts` (which
 * its `index.ts` spreads into `definePlugin`, so the two cannot differ), or a loaded plugin's own
 * fields. The registry lists every plugin by it and imports a plugin's code when it is first needed.
 */
export interface PluginManifest {
  name: string;
  description: string;
  chainPosition?: number;
  requires?: readonly Capability[];
  /** It has a connection test (`probe`). */
  testable?: boolean;
}

/** A loaded plugin's manifest. */
export function manifestOf(def: PluginDefinition): PluginManifest {
  return {
    name: def.name,
    description: def.description,
    ...(def.chainPosition !== undefined && { chainPosition: def.chainPosition }),
    ...(def.requires && { requires: def.requires }),
    ...(def.probe && { testable: true }),
  };
}

/**
 * One problem with a config: the dotted path of the setting (`jobs.0.timezone`) and what is wrong,
 * in English and as a phrase the panel says in the reader's language (src/util/phrase.ts).
 */
export interface ConfigIssue {
  path: string;
  message: string;
  phrase?: Phrase;
}

/**
 * Declare a plugin with its types inferred from the schema.
 *
 * @example
 *   export const plugin = definePlugin({
 *     name: 'ping', description: 'Answers ping', config: z.object({ answer: z.string().default('pong') }),
 *     setup(api, config) {
 *       const bot = new Composer();
 *       bot.hears('ping', (ctx) => ctx.reply(config.answer)); // hears returns its branch: use() the parent
 *       api.use(bot);
 *     },
 *   });
 */
export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginDefinition<S> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(def.name)) throw new TypeError(`Plugin name "${def.name}" must be kebab-case`);
  if (typeof def.setup !== 'function') throw new TypeError(`Plugin ${def.name}: setup must be a function`);
  return def;
}

/** A plugin failed; carries its name so logs, the database and the panel can show it. */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    readonly plugin: string,
    readonly kind: 'threw' | 'rejected' | 'timeout' | 'setup' | 'dispose' | 'event',
    readonly cause: unknown,
    readonly messageId?: string,
  ) {
    super(
      `plugin ${plugin} ${kind === 'timeout' ? 'timed out' : kind === 'setup' ? 'failed to set up' : kind === 'event' ? 'failed in an event handler' : kind === 'dispose' ? 'failed to dispose' : kind}: ${messageOf(cause)}`,
    );
  }
}

/** Settings that do not match a plugin's schema; `issues` are the schema's messages. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: ConfigIssue[],
  ) {
    super(message);
  }
}
