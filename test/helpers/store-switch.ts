/**
 * Preloaded into every test process by `npm test` (scripts/test.mjs): under `--store postgres`, conversations
 * (src/testing/conversation.ts, which cannot reach test helpers) open their stores through the switch too.
 * A test file run on its own on PostgreSQL needs it as well: `TEST_STORE=postgres node --import tsx --import
 * ./test/helpers/store-switch.ts --test file`.
 */
import { useConversationStore } from '../../src/testing/conversation.js';
import { openTestStore, testStoreKind } from './store.js';

if (testStoreKind === 'postgres') useConversationStore((options) => openTestStore(options));
