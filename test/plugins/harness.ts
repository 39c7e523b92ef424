/**
 * A small harness for plugin conversation tests: a real PluginHost (real SQLite store in a temp
 * folder, real boundaries and composition) on a fake bot handle whose directory holds a few
 * contacts and rooms and whose `send` records what plugins sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PluginHost, PluginRegistry, type PluginDefinition } from '../../src/pipeline/index.js';
import { Directory } from '../../src/bot/directory.js';
import type { BotEvents } from '../../src/bot/events.js';
import { TypedEmitter as Emitter } from '../../src/util/typed-emitter.js';
import type { BotHandle, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from '../../src/bot/types.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { Contact, Message, MessageType, Room } from '../../src/transport/model.js';
import type { Transport } from '../../src/transport/transport.js';
import { WEB_CAPABILITIES, type TransportCapabilities } from '../../src/transport/capabilities.js';
import { silentLogger } from '../../src/logger.js';
import { createContactOperations } from '../../src/bot/contact-operations.js';
import { FakeClock, type Clock } from '../../src/util/clock.js';
import { contact, room } from '../../src/testing/fake-transport.js';

export const ACCOUNT = 'acc1';

// The same builders as the fake transport's, so both harnesses describe people and rooms alike.
export { contact, room };

export const self = contact('@self', 'Bot', { kind: 'self', stableId: 'wxid_bot' });
export const ann = contact('@ann', 'Ann', { stableId: 'wxid_ann' });
export const bob = contact('@bob', 'Bob', { stableId: 'wxid_bob', remark: 'Boss' });
export const cat = contact('@cat', 'Cat', { stableId: 'wxid_cat' });
export const family = room('@@family', 'Family', [self, ann, bob], { stableId: '1@chatroom' });
export const work = room('@@work', 'Work', [self, bob, cat], { stableId: '2@chatroom' });
export const news = room('@@news', 'News', [self, ann, bob, cat], { stableId: '3@chatroom' });

export interface Sent {
  chatId: string;
  content: OutgoingContent;
  /** The text for text messages, `[type] name` otherwise. */
  text: string;
  options: SendOptions;
}

export interface HarnessOptions {
  clock?: Clock;
  /** Reuse a store (to test restarts); the harness then does not delete it. */
  dataDir?: string;
  contacts?: Contact[];
  rooms?: Room[];
  timeoutMs?: number;
  /** More plugins after the one under test (in this order). */
  also?: { def: PluginDefinition; config: unknown }[];
  /** What the account's transport can do (default: the web protocol's). */
  capabilities?: TransportCapabilities;
}

export interface Harness {
  host: PluginHost;
  store: Store;
  dataDir: string;
  directory: Directory;
  clock: Clock;
  sent: Sent[];
  calls: { method: string; args: unknown[] }[];
  events: Emitter<BotEvents>;
  /** A text (or other) message arrives: from a contact, in a room when `room` is given. */
  say(from: Contact, text: string, o?: { room?: Room; mention?: boolean; type?: MessageType; isSelf?: boolean }): Promise<Message>;
  /** Sent texts since the last call (and forget them). */
  take(): string[];
  /** Wait (real time) until at least `n` messages were sent since the last take. */
  waitSent(n: number, ms?: number): Promise<string[]>;
  close(): Promise<void>;
}

function describe(c: OutgoingContent): string {
  if (c.type === 'text') return c.text;
  if (c.type === 'forward') return `[forward] ${c.message.text}`;
  return `[${c.type}] ${c.file.name}`;
}

/** Start one plugin with `config` on a fresh account. */
export async function startPlugin(def: PluginDefinition, config: unknown, o: HarnessOptions = {}): Promise<Harness> {
  const clock = o.clock ?? new FakeClock(Date.UTC(2024, 0, 1, 10, 0));
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'weiroto-plugin-'));
  const store = openStore({ dataDir, now: () => clock.now() });
  const directory = new Directory();
  directory.load([self, ann, bob, cat, ...(o.contacts ?? [])], [family, work, news, ...(o.rooms ?? [])]);
  const sent: Sent[] = [];
  let taken = 0;
  const calls: { method: string; args: unknown[] }[] = [];
  const events = new Emitter<BotEvents>();
  const transport = new Proxy({} as Transport, {
    get: (_t, method: string) => {
      if (method === 'self') return self;
      if (method === 'capabilities') return o.capabilities ?? WEB_CAPABILITIES;
      if (method === 'then') return undefined;
      return (...args: unknown[]) => {
        calls.push({ method, args });
        if (method === 'refreshRoom') return Promise.resolve(directory.room(String(args[0])));
        return Promise.resolve();
      };
    },
  });
  const resolveTarget = (to: SendTarget): string => {
    const id =
      'id' in to
        ? ((directory.contact(to.id) ?? directory.room(to.id) ?? directory.find(to.id) ?? directory.findRoom(to.id))?.id ?? to.id)
        : 'name' in to
          ? directory.find(to.name)?.id
          : directory.findRoom(to.room)?.id;
    if (!id) throw new Error(`no such chat: ${JSON.stringify(to)}`);
    return id;
  };
  const bot: BotHandle & {
    on: Emitter<BotEvents>['on'];
    plugins?: PluginHost;
    info(): { state: string; onlineSince: number };
  } = {
    info: () => ({ state: 'online', onlineSince: Date.UTC(2024, 0, 1, 9, 0) }),
    status: () => ({ state: 'online', onlineSince: Date.UTC(2024, 0, 1, 9, 0) }),
    id: ACCOUNT,
    self,
    directory,
    contacts: createContactOperations(() => transport),
    capabilities: o.capabilities ?? WEB_CAPABILITIES,
    on: (e, l) => events.on(e, l),
    async send(to, content, options = {}): Promise<OutboundRecord> {
      const chatId = resolveTarget(to);
      sent.push({ chatId, content, text: describe(content), options });
      return {
        id: randomUUID(),
        account: ACCOUNT,
        chatId,
        type: content.type,
        status: 'queued',
        attempts: 0,
        createdAt: clock.now(),
        ...(content.type === 'text' ? { text: content.text } : {}),
        ...(options.source ? { source: options.source } : {}),
      };
    },
    waitFor: () => Promise.reject(new Error('waitFor is not used by plugin tests')),
  };
  const also = o.also ?? [];
  const registry = new PluginRegistry([def, ...also.map((a) => a.def)]);
  await store.pluginSettings.saveAll(ACCOUNT, [
    { plugin: def.name, enabled: true, order: 0, config },
    ...also.map((a, i) => ({ plugin: a.def.name, enabled: true, order: i + 1, config: a.config })),
  ]);
  const host = new PluginHost({
    account: ACCOUNT,
    bot,
    registry,
    settings: store.pluginSettings,
    errors: store.pluginErrors,
    kv: store.kv,
    log: silentLogger(),
    clock,
    defaults: [],
    timeoutMs: o.timeoutMs ?? 2000,
    // The fake model servers listen on 127.0.0.1; the guard itself is tested in test/process/ai-key.test.ts.
    httpPolicy: { allowPrivate: true },
  });
  await host.init();
  let seq = 0;
  const h: Harness = {
    host,
    store,
    dataDir,
    directory,
    clock,
    sent,
    calls,
    events,
    async say(from, text, m = {}) {
      const message: Message = {
        id: String(1_000_000 + ++seq),
        type: m.type ?? 'text',
        chatId: m.room ? m.room.id : m.isSelf ? ann.id : from.id,
        ...(m.room ? { roomId: m.room.id } : {}),
        senderId: from.id,
        senderName: from.name,
        toId: m.room ? m.room.id : self.id,
        isSelf: m.isSelf ?? from.id === self.id,
        text: m.mention ? `@${self.name}\u2005${text}` : text,
        mentionsSelf: m.mention ?? false,
        mentions: m.mention ? [self.name] : [],
        createdAt: clock.now(),
      };
      await host.handle(message);
      return message;
    },
    take() {
      const out = sent.slice(taken).map((s) => s.text);
      taken = sent.length;
      return out;
    },
    async waitSent(n, ms = 5000) {
      const until = Date.now() + ms;
      while (sent.length - taken < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      return h.take();
    },
    async close() {
      await host.close();
      store.close();
      if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}
