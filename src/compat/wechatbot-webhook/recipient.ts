/**
 * Who `to` names, in the original's matching order (Wechaty's `Room.find({topic})` and
 * `Contact.find`): a string is an exact nickname, `{alias}` an exact remark, `{id}` an id (the
 * undocumented form Wechaty also takes), and with `isRoom: true` a string is an exact group topic.
 * The first match wins, as in Wechaty. weiroto's own `resolveTarget` matches more (remark,
 * WeChat id, case-insensitively), which would change who an ambiguous name reaches.
 *
 * On an account without groups (iLink) the only chat is the bound owner: `"owner"`, `filehelper`,
 * `文件传输助手` and the owner's own name or remark reach them; `isRoom` is refused.
 */
import type { Contact } from '../../transport/model.js';
import { ANSWERS } from './answers.js';
import { hasRooms, type CompatBot } from './bot-port.js';
import { isPlainObject } from './rules.js';

export type Resolved = { chatId: string; isRoom: boolean } | { notFound: string };

const OWNER_WORDS = new Set(['owner', 'filehelper', '文件传输助手']);

function owner(bot: CompatBot): Contact | undefined {
  const selfId = bot.self?.id;
  return bot.directory.contacts().find((c) => c.id !== selfId && c.kind !== 'self');
}

function notFound(isRoom: unknown): Resolved {
  return { notFound: isRoom === true ? ANSWERS.roomNotFound : ANSWERS.userNotFound };
}

function matchContact(contacts: Contact[], to: unknown): Contact | undefined {
  if (typeof to === 'string') return contacts.find((c) => c.name === to);
  if (!isPlainObject(to)) return undefined;
  const keys = Object.keys(to);
  // Wechaty takes one key; two make it throw, which the original reports as not found.
  if (keys.length !== 1) return undefined;
  const v = to[keys[0]!];
  if (typeof v !== 'string') return undefined;
  if (keys[0] === 'alias') return contacts.find((c) => c.remark === v);
  if (keys[0] === 'name') return contacts.find((c) => c.name === v);
  if (keys[0] === 'id') return contacts.find((c) => c.id === v || c.stableId === v);
  return undefined;
}

/**
 * @example
 *   resolveRecipient(bot, 'Alice', undefined); // { chatId: '@abc', isRoom: false }
 *   resolveRecipient(bot, 'Team', true);        // { chatId: '@@def', isRoom: true }
 */
export function resolveRecipient(bot: CompatBot, to: unknown, isRoom: unknown): Resolved {
  if (!hasRooms(bot)) {
    if (isRoom === true) return { notFound: ANSWERS.noGroups };
    const o = owner(bot);
    if (!o) return notFound(isRoom);
    const name = typeof to === 'string' ? to : isPlainObject(to) && typeof to.alias === 'string' ? to.alias : undefined;
    if (name !== undefined && (OWNER_WORDS.has(name) || name === o.name || (!!o.remark && name === o.remark))) return { chatId: o.id, isRoom: false };
    return notFound(isRoom);
  }
  if (isRoom === true) {
    const room = typeof to === 'string' ? bot.directory.rooms().find((r) => r.topic === to) : undefined;
    return room ? { chatId: room.id, isRoom: true } : notFound(isRoom);
  }
  const c = matchContact(bot.directory.contacts(), to);
  return c ? { chatId: c.id, isRoom: false } : notFound(isRoom);
}
