/**
 * A BotHandle without a Bot, for tests of the pipeline's parts (Composer, Context, PluginHost alone)
 * and the pipeline benchmark: a directory, a `send` that the caller supplies, contact operations
 * on a transport that does nothing, and the web protocol's capabilities unless told otherwise.
 */
import { Directory } from '../../src/bot/directory.js';
import { createContactOperations } from '../../src/bot/contact-operations.js';
import type { BotHandle } from '../../src/bot/types.js';
import { WEB_CAPABILITIES, type TransportCapabilities } from '../../src/transport/capabilities.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';

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
