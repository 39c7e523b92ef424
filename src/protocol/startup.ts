/**
 * After login (or on resume): webwxinit, statusnotify 3, the address book paged by Seq, one
 * immediate webwxsync (brings the 51/SYNC_CONV list), then every known group's members with
 * batchgetcontact (§11.1 steps 6–8, §16 #8/#9). Emits `login` after init and `ready` at the end.
 */
import { TransportError } from '../transport/errors.js';
import type { Contact } from '../transport/model.js';
import type { SessionCore } from './core.js';
import { applySync, fetchContacts, roomItems } from './dispatch.js';
import { isRoomId, parseContact } from './parse-contact.js';
import type { RawContact, RawInitResponse } from './raw-types.js';
import { usableKey } from './session.js';
import { decodeText } from './text.js';

/** The official client follows Seq for at most 16 further pages. */
export const MAX_EXTRA_CONTACT_PAGES = 16;

/** webwxinit and what it tells us; returns self as a Contact. Clears the book (ids changed). */
export async function runInit(core: SessionCore, signal: AbortSignal): Promise<{ self: Contact; init: RawInitResponse }> {
  const init = await core.api.init(signal);
  const st = core.api.state;
  if (!init.User?.UserName) throw new TransportError('server', 'webwxinit: answer has no User');
  st.self = init.User;
  if (init.SKey) st.skey = init.SKey;
  if (usableKey(init.SyncKey)) st.syncKey = init.SyncKey;
  // A fresh init key supersedes any SyncCheckKey from an older sync.
  st.syncCheckKey = undefined;
  if (init.InviteStartCount) st.inviteStartCount = init.InviteStartCount;
  const book = core.book;
  book.clear();
  book.selfId = init.User.UserName;
  book.selfName = decodeText(init.User.NickName);
  for (const raw of init.ContactList ?? []) book.upsert(raw);
  book.upsert(init.User as unknown as RawContact);
  const self = parseContact(init.User as unknown as RawContact, init.User.UserName);
  return { self, init };
}

/** Address book pages: seq 0, then follow Seq until 0 (≤16 extra pages). */
export async function loadContactPages(core: SessionCore, signal: AbortSignal): Promise<number> {
  let seq = 0;
  let count = 0;
  for (let page = 0; page <= MAX_EXTRA_CONTACT_PAGES; page++) {
    const r = await core.api.getContact(seq, signal);
    for (const raw of r.MemberList ?? []) if (core.book.upsert(raw)) count++;
    if (!r.Seq || r.Seq === seq) break;
    seq = r.Seq;
  }
  return count;
}

/**
 * The whole start-up after credentials are known. `login` is emitted right after init; `ready`
 * once contacts and every known group's members are loaded.
 */
export async function loadSession(core: SessionCore, signal: AbortSignal, onLogin: (self: Contact) => void): Promise<void> {
  const { self, init } = await runInit(core, signal);
  onLogin(self);
  const st = core.api.state;
  try {
    await core.api.statusNotify(3, st.self!.UserName, core.clientIds.next(), signal);
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof TransportError && err.kind === 'logged-out') throw err;
    core.log.warn({ err }, 'statusnotify after init failed (non-fatal)');
  }
  await loadContactPages(core, signal);
  // One sync right away: the SYNC_CONV pushed after statusnotify names the recent groups and maps
  // stable ids. Its messages are dispatched like any other (nothing is lost or doubled: the loop
  // continues from the keys it returned).
  try {
    const r = await core.api.sync(signal);
    await applySync(core, r, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof TransportError && err.kind === 'logged-out') throw err;
    core.log.warn({ err }, 'first webwxsync failed; the sync loop will retry');
  }
  const rooms = new Set<string>();
  for (const id of (init.ChatSet ?? '').split(',')) if (id && isRoomId(id)) rooms.add(id);
  for (const id of core.book.roomsWithoutMembers()) rooms.add(id);
  for (const id of rooms) if (core.book.rooms.get(id)?.members.length) rooms.delete(id);
  await fetchContacts(core, roomItems(rooms), signal);
  core.live = true;
  core.events.emit('ready', { contacts: core.book.contacts.size, rooms: core.book.rooms.size });
}
