/**
 * The people and groups the built-in plugins' conversation tests meet (fixtures, not a harness:
 * the tests run on `createConversation` from src/testing, the helper docs/plugins.md documents).
 */
import { contact, room } from '../../src/testing/index.js';

export const self = contact('@self', 'Bot', { kind: 'self', stableId: 'wxid_bot' });
export const ann = contact('@ann', 'Ann', { stableId: 'wxid_ann' });
export const bob = contact('@bob', 'Bob', { stableId: 'wxid_bob', remark: 'Boss' });
export const cat = contact('@cat', 'Cat', { stableId: 'wxid_cat' });
export const family = room('@@family', 'Family', [self, ann, bob], { stableId: '1@chatroom' });
export const work = room('@@work', 'Work', [self, bob, cat], { stableId: '2@chatroom' });
export const news = room('@@news', 'News', [self, ann, bob, cat], { stableId: '3@chatroom' });

/** Ann, Bob and Cat; the groups Family, Work and News (`createConversation({ world })`). */
export const WORLD = { contacts: [ann, bob, cat], rooms: [family, work, news] };

/** A send as the tests compare it: `chat <- text` (`[type] file` for media). */
export function sentLine(s: { to: string; text?: string; type: string; fileName?: string }): string {
  return `${s.to} <- ${s.text ?? `[${s.type}] ${s.fileName ?? ''}`}`;
}
