/**
 * A BotHandle without a Bot, for tests of the pipeline's parts (Composer, Context, PluginHost alone)
 * and the pipeline benchmark: a directory, a `send` that the caller supplies, contact operations
 * on a transport that does nothing, and the web protocol's capabilities unless told otherwise.
 */
import { Directory } from '../../src/bot/directory.js';
import { createContactOperations } from '../../src/bot/contact-operations.js';
import type { BotHandle } from '../../src/bot/types.js';
import { WEB_CAPABILITIES, type TransportCapabilities } from '../../src/transport/capabilities.js';
import { contact, FakeTransport, room } from '../../src/testing/fake-transport.js';
import { Context } from '../../src/pipeline/context.js';
import type { OutgoingContent, SendTarget } from '../../src/bot/types.js';
import type { Message } from '../../src/transport/model.js';
import { silentLogger } from '../../src/logger.js';

export interface FakeBotHandleOptions {
  id?: string;
  directory?: Directory;
  send: BotHandle['send'];
  capabilities?: TransportCapabilities;
}

export function fakeBotHandle(o: FakeBotHandleOptions): BotHandle {
  const capabilities = o.capabilities ?? WEB_CAPABILITIES;
  const transport = new FakeTransport({ capabilities });
  return {
    id: o.id ?? 'a1',
    self: undefined,
    directory: o.directory ?? new Directory(),
    send: o.send,
    waitFor: () => Promise.reject(new Error('waitFor: not used here')),
    contacts: createContactOperations(() => transport),
    capabilities,
    status: () => ({ state: 'online' }),
  };
}

/** Contexts for messages in a tiny world (Alice; the room Family), on a handle that records sends. */
export function contextKit() {
  const sends: { to: SendTarget; content: OutgoingContent; source?: string }[] = [];
  const directory = new Directory();
  const alice = contact('@alice', 'Alice');
  directory.load([alice], [room('@@g', 'Family', [alice])]);
  const bot = fakeBotHandle({
    directory,
    send: async (to, content, options) => {
      sends.push({ to, content, ...(options?.source !== undefined && { source: options.source }) });
      return { id: 'x', account: 'a1', chatId: 'c', type: content.type, status: 'queued', attempts: 0, createdAt: 0 };
    },
  });
  const ctx = (m: Partial<Message>): Context =>
    new Context(
      {
        id: '1',
        type: 'text',
        chatId: '@alice',
        senderId: '@alice',
        toId: '@self',
        isSelf: false,
        text: '',
        mentionsSelf: false,
        mentions: [],
        createdAt: 0,
        ...m,
      },
      bot,
      silentLogger(),
    );
  const texts = () => sends.map((s) => (s.content.type === 'text' ? s.content.text : s.content.type));
  return { ctx, sends, texts };
}
