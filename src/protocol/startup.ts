/**
 * After login (or on resume): webwxinit, statusnotify 3, the address book paged by Seq, one
 * immediate webwxsync (brings the 51/SYNC_CONV list), and every known group's members with
 * batchgetcontact (§11.1 steps 6–8, §16 #8/#9). Members are fetched while the pages load: a
 * group is asked for as soon as init or a page names it, so the calls overlap the paging instead
 * of following it. Emits `login` after init and `ready` at the end.
 */
import { TransportError } from '../transport/errors.js';
import type { Contact } from '../transport/model.js';
import type { SessionCore } from './core.js';
import { ContactFetcher, batchItems } from './contact-fetcher.js';
import { applySync, syncConvRooms } from './dispatch.js';
import { isRoomId, parseContact } from './parse-contact.js';
import type { RawContact, RawGetContactResponse, RawInitResponse, RawSyncResponse } from './raw-types.js';
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

/**
 * The Seq a page names, read off the end of its text without parsing it (the field comes last,
 * as in the recorded answers), so the next page can be asked for while this one is parsed.
 * Undefined when the tail does not look like that; the parsed Seq always decides.
 */
export function tailSeq(text: string): number | undefined {
  const m = /"Seq"\s*:\s*(\d+)\s*\}\s*$/.exec(text.slice(-80));
  return m ? Number(m[1]) : undefined;
}

type Settled = { text: string } | { err: unknown };

/**
 * Address book pages: seq 0, then follow Seq until 0 (≤16 extra pages). `onPage` sees each page's
 * ids. The next page is asked for as soon as this one's text is in, before it is parsed and
 * merged (a wrong guess is dropped and the parsed Seq asked for instead).
 */
export async function loadContactPages(core: SessionCore, signal: AbortSignal, onPage?: (ids: string[]) => void): Promise<number> {
  const { api } = core;
  const fetchPage = (seq: number): Promise<Settled> =>
    api.getContactText(seq, signal).then(
      (text) => ({ text }),
      (err: unknown) => ({ err }),
    );
  const open = (s: Settled): string => {
    if ('err' in s) throw s.err;
    return s.text;
  };
  let seq = 0;
  let count = 0;
  let text = open(await fetchPage(0));
  for (let page = 0; ; page++) {
    const guess = page < MAX_EXTRA_CONTACT_PAGES ? tailSeq(text) : undefined;
    const ahead = guess && guess !== seq ? { seq: guess, page: fetchPage(guess) } : undefined;
    let r: RawGetContactResponse;
    try {
      r = api.parseContactPage(text);
    } catch (err) {
      await ahead?.page;
      throw err;
    }
    const ids: string[] = [];
    for (const raw of r.MemberList ?? []) {
      if (!core.book.upsert(raw)) continue;
      count++;
      ids.push(raw.UserName);
    }
    onPage?.(ids);
    if (!r.Seq || r.Seq === seq || page >= MAX_EXTRA_CONTACT_PAGES) {
      await ahead?.page;
      break;
    }
    seq = r.Seq;
    // A wrong guess (never seen on the wire) is left to finish on its own: it settles to a value.
    text = open(await (ahead?.seq === seq ? ahead.page : fetchPage(seq)));
  }
  return count;
}

/** Whether an error ends the start-up (abort, logout) rather than being logged and outlived. */
function fatal(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof TransportError && err.kind === 'logged-out');
}

/**
 * The whole start-up after credentials are known. `login` is emitted right after init; `ready`
 * once contacts and every known group's members are loaded.
 *
 * Three things run side by side after init, each as early as it can: the address-book pages (one
 * after the other, by Seq); statusnotify and then the first webwxsync, whose SYNC_CONV names the
 * recent groups; and batchgetcontact for every group init, a page or SYNC_CONV names. The sync's
 * body (messages, contact changes) is applied only once the pages are in, as before.
 */
export async function loadSession(core: SessionCore, signal: AbortSignal, onLogin: (self: Contact) => void): Promise<void> {
  const { self, init } = await runInit(core, signal);
  onLogin(self);
  const st = core.api.state;

  // Groups whose members are wanted, each asked for once, as soon as it is known.
  const members = new ContactFetcher(core, signal);
  const asked = new Set<string>();
  const want = (ids: Iterable<string>): void => {
    const fresh: string[] = [];
    for (const id of ids) {
      if (!id || !isRoomId(id) || asked.has(id) || core.book.rooms.get(id)?.members.length) continue;
      asked.add(id);
      fresh.push(id);
    }
    members.add(batchItems(fresh));
    members.flush();
  };
  want((init.ChatSet ?? '').split(','));
  want(core.book.roomsWithoutMembers());

  // statusnotify, then the first sync (which brings the SYNC_CONV statusnotify asked for). Both
  // settle to a value: their failures are looked at once the pages are in.
  const firstSync = core.api
    .statusNotify(3, st.self!.UserName, core.clientIds.next(), signal)
    .catch((err: unknown) => {
      if (fatal(err, signal)) throw err;
      core.log.warn({ err }, 'statusnotify after init failed (non-fatal)');
    })
    .then(() => core.api.sync(signal))
    .then(
      (r) => {
        want(syncConvRooms(r));
        return { r };
      },
      (err: unknown) => ({ err }),
    );

  const pages = await loadContactPages(core, signal, want).then(
    () => ({}),
    (err: unknown) => ({ err }),
  );
  const first: { r?: RawSyncResponse; err?: unknown } = await firstSync;
  const failure = 'err' in pages ? pages.err : first.err !== undefined && fatal(first.err, signal) ? first.err : undefined;
  if (failure !== undefined) {
    // Let the calls already made settle before giving up (none is left running unobserved).
    await members.finish().catch(() => {});
    throw failure;
  }
  // The members asked for so far first: applying the sync then fetches only what is still unknown.
  await members.finish();
  try {
    if (first.err !== undefined) throw first.err;
    // Its messages are dispatched like any other (nothing is lost or doubled: the loop continues
    // from the keys it returned).
    if (first.r) await applySync(core, first.r, signal);
  } catch (err) {
    if (fatal(err, signal)) throw err;
    core.log.warn({ err }, 'first webwxsync failed; the sync loop will retry');
  }
  want(core.book.roomsWithoutMembers());
  await members.finish();
  core.book.shareMemberStrings();
  core.book.loaded();
  core.live = true;
  core.events.emit('ready', { contacts: core.book.contacts.size, rooms: core.book.rooms.size });
}
