/**
 * Conversation-style tests (style.md §17): a real AccountManager + Bot + PluginHost on a real SQLite
 * store in a temp folder, driven either by the in-memory FakeTransport, through the sandbox with
 * the real web-protocol client, or through the sandbox's iLink server with the real iLink client (the
 * owner is then the one chat; the helper confirms the QR). Scripted messages go in; assert with
 * `await chat.shouldReply('ping', 'pong')` / `await chat.shouldNotReply('hello')`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountManager } from '../accounts/account-manager.js';
import type { AccountRuntime } from '../accounts/account-runtime.js';
import type { PluginHost } from '../pipeline/plugin-host.js';
import type { Bot } from '../bot/bot.js';
import { PluginRegistry, type PluginDefinition } from '../pipeline/index.js';
import { openStore, type Store } from '../store/index.js';
import type { DecisionTrace } from '../pipeline/trace.js';
import type { Transport } from '../transport/transport.js';
import type { Contact, MessageType, Room } from '../transport/model.js';
import type { TransportCapabilities } from '../transport/capabilities.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger } from '../logger.js';
import { contact, FakeTransport, room } from './fake-transport.js';
import { waitUntil } from './wait.js';
import type { ConfigDefaults } from '../pipeline/config-defaults.js';
import type { OutboundPolicy } from '../util/outbound-guard.js';
import type { IlinkControl } from '../sandbox/ilink/control-client.js';

export interface SayOptions {
  /** Sender: fake = contact id; sandbox = nickname or id. Default: the conversation's sender. */
  from?: string;
  /** A group (fake: room id; sandbox: topic or id). */
  room?: string;
  /** @-mention the account. */
  mention?: boolean;
  /** This account wrote it (fake transport only). */
  self?: boolean;
  /** A message of another type ('image', 'voice' …; fake transport only). Default 'text'. */
  type?: MessageType;
}

export interface Said {
  trace: DecisionTrace;
  replies: string[];
}

export interface ChatView {
  say(text: string, o?: SayOptions): Promise<Said>;
  shouldReply(text: string, expected: string | RegExp | (string | RegExp)[], o?: SayOptions): Promise<Said>;
  shouldNotReply(text: string, o?: SayOptions): Promise<Said>;
}

export interface Conversation extends ChatView {
  bot: Bot;
  /** The account's runtime (scheduling, traces) and its plugins. */
  runtime: AccountRuntime;
  plugins: PluginHost;
  manager: AccountManager;
  store: Store;
  /** The fake transport (fake mode only). */
  fake?: FakeTransport;
  /** A view bound to a group (and optionally a member / mention). */
  inRoom(room: string, o?: Omit<SayOptions, 'room'>): ChatView;
  configure(plugin: string, config: unknown): Promise<unknown>;
  enable(plugin: string): Promise<void>;
  disable(plugin: string): Promise<void>;
  /** Resolve when the plugins' event handlers have finished and what they queued is sent. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxLike {
  origin: string;
  control: {
    sendMessage(m: { from: string; room?: string; text: string; account?: string }): Promise<{ msgId: string }>;
    sent(o?: { account?: string; since?: number }): Promise<{ messages: { seq: number; to: string; text: string; msgId: string }[]; next: number }>;
  };
}

export interface ConversationOptions {
  /** Plugins to register (default: load the built-ins from plugins/). */
  plugins?: PluginDefinition[];
  /** The registry itself (instead of `plugins`), e.g. one that loads plugins on first use. */
  registry?: PluginRegistry;
  /** Plugins on for the account (BOT_PLUGINS). */
  enable?: string[];
  /** Default sender (fake: '@alice' named Alice). */
  from?: string;
  pluginTimeoutMs?: number;
  /** Drive through a running sandbox with this transport factory instead of the fake. */
  sandbox?: { sandbox: SandboxLike; createTransport: (accountId: string) => Transport; selfName: string };
  /** Drive an iLink account through the sandbox's iLink server: the owner confirms the QR and writes every message. */
  ilink?: { control: Pick<IlinkControl, 'confirm' | 'sendMessage' | 'sent'>; createTransport: (accountId: string) => Transport };
  /** Wait this long for a message to be handled (ms). */
  timeoutMs?: number;
  /** Host values for blank plugin settings (what main.ts passes for AI_*). */
  pluginConfigDefaults?: Record<string, ConfigDefaults>;
  /**
   * Plugins switched on with these settings, in this order (after those named in `enable`), saved
   * before the account starts so each is set up once with them.
   */
  config?: Record<string, unknown>;
  /** The account's clock (a FakeClock moves plugin timers, windows and time-outs). Default: real time. */
  clock?: Clock;
  /** Keep the store in this folder (and do not delete it on close): a second conversation on it is a restart. */
  dataDir?: string;
  /** The people and groups the fake account knows (default FAKE_WORLD and FAKE_ROOM). */
  world?: { contacts: Contact[]; rooms: Room[] };
  /** What the fake transport can do (default: the web protocol's; e.g. ILINK_CAPABILITIES). */
  capabilities?: TransportCapabilities;
  /** Who plugins' api.http may reach on private addresses (default: anyone, for the local fakes). */
  pluginHttpPolicy?: OutboundPolicy;
}

/** How a conversation opens its store: SQLite in its data folder, unless the test run chose otherwise. */
export type ConversationStoreOpener = (options: { dataDir: string; now: () => number }) => Promise<Store>;

let openConversationStore: ConversationStoreOpener = (options) => Promise.resolve().then(() => openStore(options));

/**
 * Open the store of every conversation made from now on with `open` (a test suite that runs on PostgreSQL puts them
 * there; the data folder names the store, so a second conversation on it is still a restart).
 */
export function useConversationStore(open: ConversationStoreOpener): void {
  openConversationStore = open;
}

/** The fake world: Alice and Bob (friends), the room "Family" (@@family) with both. */
export const FAKE_WORLD = {
  alice: contact('@alice', 'Alice', { stableId: 'wxid_alice' }),
  bob: contact('@bob', 'Bob', { stableId: 'wxid_bob', remark: 'Boss' }),
};
export const FAKE_ROOM = room('@@family', 'Family', [FAKE_WORLD.alice, FAKE_WORLD.bob]);

/**
 * Start a bot for a conversation test.
 *
 * @example
 *   const chat = await createConversation({ enable: ['echo'] });
 *   await chat.shouldReply('ping', 'ping');
 *   await chat.close();
 */
export async function createConversation(options: ConversationOptions = {}): Promise<Conversation> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'weiroto-chat-'));
  const clock = options.clock ?? systemClock;
  const store = await openConversationStore({ dataDir, now: () => clock.now() });
  const registry = options.registry ?? (options.plugins ? new PluginRegistry(options.plugins) : await PluginRegistry.load());
  const real = options.sandbox ?? options.ilink;
  const world = options.world ?? { contacts: [FAKE_WORLD.alice, FAKE_WORLD.bob], rooms: [FAKE_ROOM] };
  const fake = real ? undefined : new FakeTransport({ ...world, now: () => clock.now(), ...(options.capabilities && { capabilities: options.capabilities }) });
  const manager = new AccountManager({
    store,
    clock,
    log: silentLogger(),
    createTransport: real ? real.createTransport : () => fake!,
    pluginRegistry: registry,
    sendPacing: 'off',
    botPlugins: options.enable ?? [],
    autoRelogin: false,
    dataDir,
    ...(options.pluginTimeoutMs !== undefined && { pluginTimeoutMs: options.pluginTimeoutMs }),
    ...(options.pluginConfigDefaults && { pluginConfigDefaults: options.pluginConfigDefaults }),
    // Fakes (model servers, hooks) listen on 127.0.0.1; the guard itself is tested elsewhere.
    pluginHttpPolicy: options.pluginHttpPolicy ?? { allowPrivate: true },
  });
  const bot = await startAccount(manager, store, options);
  if (options.ilink) {
    await waitUntil(() => !!bot.info().qr, 20_000, 'an iLink QR');
    await options.ilink.control.confirm({});
  }
  await waitUntil(() => bot.info().state === 'online' && bot.directory.size.contacts > 0, 20_000, 'the bot to come online');

  const traces: DecisionTrace[] = [];
  const wakers = new Set<() => void>();
  const runtime = manager.runtime(bot.id)!;
  const plugins = runtime.plugins;
  runtime.onHandled((t) => {
    traces.push(t);
    for (const w of wakers) w();
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const defaultFrom = options.from ?? (real ? undefined : FAKE_WORLD.alice.id);

  async function traceFor(match: (t: DecisionTrace) => boolean): Promise<DecisionTrace> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = traces.find(match);
      if (t) return t;
      if (Date.now() > deadline) throw new Error('the message was not handled in time');
      await new Promise<void>((r) => {
        const w = (): void => {
          wakers.delete(w);
          r();
        };
        wakers.add(w);
        setTimeout(w, 50).unref();
      });
    }
  }

  /** WeChat's ids (web MsgID, iLink client_id) of the account's replies to a handled message. */
  async function replyIds(trace: DecisionTrace): Promise<Set<string | undefined>> {
    const rows = await store.outbound.list(bot.id, { chatId: trace.chatId, limit: 50 });
    return new Set(rows.filter((r) => r.replyTo === trace.messageId && r.wechatId).map((r) => r.wechatId));
  }

  async function say(text: string, o: SayOptions = {}): Promise<Said> {
    const from = o.from ?? defaultFrom;
    if (options.ilink) {
      const il = options.ilink.control;
      const before = await il.sent();
      const { messageId } = await il.sendMessage({ text });
      if (!messageId) throw new Error('the iLink sandbox dropped the message');
      const trace = await traceFor((t) => t.messageId === messageId);
      await bot.queue.idle();
      const after = await il.sent(before.next);
      const ours = await replyIds(trace);
      return {
        trace,
        replies: after.messages
          .filter((m) => m.decision === 'delivered' && ours.has(m.clientId))
          .map((m) => m.items.map((i) => i.text ?? `[${i.type}]`).join('')),
      };
    }
    if (options.sandbox) {
      const { sandbox, selfName } = options.sandbox;
      if (!from) throw new Error('sandbox conversations need a `from` (a friend nickname)');
      const before = await sandbox.control.sent();
      const body = o.mention ? `@${selfName}\u2005${text}` : text;
      const { msgId } = await sandbox.control.sendMessage({ from, text: body, ...(o.room !== undefined && { room: o.room }) });
      const trace = await traceFor((t) => t.messageId === msgId);
      await bot.queue.idle();
      const after = await sandbox.control.sent({ since: before.next });
      // The sandbox names chats by its own ids; match our replies by WeChat's MsgID instead.
      const ours = await replyIds(trace);
      return { trace, replies: after.messages.filter((m) => ours.has(m.msgId)).map((m) => m.text) };
    }
    const f = fake!;
    const start = f.sent.length;
    const m = f.receive({
      ...(o.type !== undefined && { type: o.type }),
      from: from ?? FAKE_WORLD.alice.id,
      text: o.mention ? `@Bot\u2005${text}` : text,
      ...(o.room !== undefined && { room: o.room }),
      ...(o.mention && { mentionsSelf: true }),
      ...(o.self && { isSelf: true }),
    });
    const trace = await traceFor((t) => t.messageId === m.id);
    await bot.queue.idle();
    return {
      trace,
      replies: f.sent
        .slice(start)
        .filter((s) => s.to === m.chatId)
        .map((s) => s.text ?? `[${s.type}] ${s.fileName ?? ''}`),
    };
  }

  function view(bound: SayOptions): ChatView {
    return {
      say: (text, o = {}) => say(text, { ...bound, ...o }),
      async shouldReply(text, expected, o = {}) {
        const r = await say(text, { ...bound, ...o });
        const want = Array.isArray(expected) ? expected : [expected];
        assert.ok(r.replies.length > 0, `expected a reply to ${JSON.stringify(text)}, got none (${r.trace.reason ?? 'no reason'})`);
        assert.equal(r.replies.length, want.length, `expected ${want.length} replies to ${JSON.stringify(text)}, got ${JSON.stringify(r.replies)}`);
        want.forEach((w, i) => {
          if (typeof w === 'string') assert.equal(r.replies[i], w);
          else assert.match(r.replies[i]!, w);
        });
        return r;
      },
      async shouldNotReply(text, o = {}) {
        const r = await say(text, { ...bound, ...o });
        assert.deepEqual(r.replies, [], `expected no reply to ${JSON.stringify(text)}`);
        return r;
      },
    };
  }

  return {
    ...view({}),
    bot,
    manager,
    store,
    ...(fake && { fake }),
    inRoom: (r, o = {}) => view({ ...o, room: r }),
    plugins,
    runtime,
    configure: (plugin, config) => plugins.configure(plugin, config),
    enable: (plugin) => plugins.enable(plugin),
    disable: (plugin) => plugins.disable(plugin),
    async idle() {
      await plugins.idle();
      await bot.queue.idle();
    },
    async close() {
      await manager.stopAll();
      await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The conversation's account ('test'): created, or found again in a reused store; `config` saved before it starts. */
async function startAccount(manager: AccountManager, store: Store, options: ConversationOptions): Promise<Bot> {
  if (!options.config && !options.dataDir) return manager.add('test');
  const existing = (await store.accounts.list()).find((a) => a.name === 'test');
  const id = existing?.id ?? (await store.accounts.create({ name: 'test' })).id;
  if (options.config) {
    const config = options.config;
    const names = [...(options.enable ?? []), ...Object.keys(config).filter((n) => !options.enable?.includes(n))];
    await store.pluginSettings.saveAll(
      id,
      names.map((plugin, order) => ({ plugin, enabled: true, order, config: config[plugin] ?? {} })),
    );
  }
  await manager.start(id);
  return manager.get(id)!;
}

export { waitUntil };
