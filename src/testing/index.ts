/**
 * The test kit for plugin authors, `weiroto/testing`: conversation tests on a real account (real
 * plugin host, real SQLite in a temp folder) over an in-memory transport, or through the sandbox.
 *
 * @example
 *   import { createConversation } from 'weiroto/testing';
 *   const chat = await createConversation({ plugins: [plugin], enable: ['ping'] });
 *   await chat.shouldReply('ping', 'pong');
 *   await chat.close();
 */
export {
  createConversation,
  FAKE_WORLD,
  FAKE_ROOM,
  type Conversation,
  type ConversationOptions,
  type ChatView,
  type Said,
  type SayOptions,
  type SandboxLike,
} from './conversation.js';
export { FakeTransport, contact, room, type FakeSend, type FakeTransportOptions } from './fake-transport.js';
export { waitUntil } from './wait.js';
