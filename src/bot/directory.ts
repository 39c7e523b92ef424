/**
 * One account's contacts and rooms, kept current from transport events. Look-ups by id are O(1);
 * look-ups by name scan (they serve the API and the panel, not the per-message path).
 */
import type { AddressBook } from '../transport/address-book.js';
import type { Contact, Room } from '../transport/model.js';
import type { DirectoryView } from './types.js';

/**
 * The name a chat goes by now: a room's topic, else the remark this account gave the contact, else
 * their nickname; undefined when the directory does not know the id.
 */
export function chatNameIn(directory: Pick<DirectoryView, 'room' | 'contact'>, id: string): string | undefined {
  const room = directory.room(id);
  if (room) return room.topic || undefined;
  const c = directory.contact(id);
  return c ? c.remark || c.name || undefined : undefined;
}

/** Contacts or rooms: the book's entries, with the directory's own over them (see Directory). */
class Entries<T extends { id: string }> {
  readonly own = new Map<string, T>();
  /** The book's map while the directory reads one. */
  shared: ReadonlyMap<string, T> | undefined;

  get(id: string): T | undefined {
    return this.own.get(id) ?? this.shared?.get(id);
  }

  /** Every entry once, in the book's order (own entries in place of the book's, then those it lacks). */
  all(): T[] {
    const shared = this.shared;
    if (!shared) return [...this.own.values()];
    const out: T[] = [];
    for (const [id, x] of shared) out.push(this.own.get(id) ?? x);
    if (this.own.size) for (const [id, x] of this.own) if (!shared.has(id)) out.push(x);
    return out;
  }

  get size(): number {
    const shared = this.shared;
    if (!shared) return this.own.size;
    let extra = 0;
    for (const id of this.own.keys()) if (!shared.has(id)) extra++;
    return shared.size + extra;
  }

  /** Whether the book holds `x` itself (then the directory needs no copy of it). */
  inBook(x: T): boolean {
    return this.shared?.get(x.id) === x;
  }

  /** Keep `x` in place of what the directory held for its id. */
  put(x: T): void {
    if (this.inBook(x)) this.own.delete(x.id);
    else this.own.set(x.id, x);
  }
}

/**
 * A transport that keeps an address book of its own (web) is read in place (`share`): the directory
 * then holds only what the book does not (the login's self, a topic a rename text gave before the
 * group's entry came), not a second map of 5,000 contacts per account (issue 17). Other transports
 * (iLink), and an account run by another node (its directory from the store), fill the directory's
 * own maps (`load`, `put…`).
 */
export class Directory implements DirectoryView {
  private people = new Entries<Contact>();
  private groups = new Entries<Room>();
  private book: AddressBook | undefined;
  /** stableId → per-session id of the own entries, contacts and rooms (the book knows its own). */
  private stable = new Map<string, string>();

  /** Replace everything (after a full load). */
  load(contacts: Iterable<Contact>, rooms: Iterable<Room>): void {
    this.readFrom(undefined);
    for (const c of contacts) this.putContact(c);
    for (const r of rooms) this.putRoom(r);
  }

  /** Replace everything by what `book` holds, read in place from now on (it is kept current by its transport). */
  share(book: AddressBook): void {
    this.readFrom(book);
  }

  private readFrom(book: AddressBook | undefined): void {
    this.book = book;
    this.people = new Entries();
    this.groups = new Entries();
    this.people.shared = book?.contacts;
    this.groups.shared = book?.rooms;
    this.stable.clear();
  }

  /** Add or replace a contact; returns whether it was new. */
  putContact(c: Contact): boolean {
    // A transport announces a contact once its book holds it: whether the id was new there, the book says.
    const isNew = this.book && this.people.inBook(c) ? !this.people.own.has(c.id) && this.book.isAddition(c) : this.people.get(c.id) === undefined;
    this.people.put(c);
    if (c.stableId && this.people.own.has(c.id)) this.stable.set(c.stableId, c.id);
    return isNew;
  }

  removeContact(id: string): void {
    const c = this.people.own.get(id);
    if (c?.stableId) this.stable.delete(c.stableId);
    this.people.own.delete(id);
  }

  putRoom(r: Room): void {
    this.groups.put(r);
    if (r.stableId && this.groups.own.has(r.id)) this.stable.set(r.stableId, r.id);
  }

  removeRoom(id: string): void {
    const r = this.groups.own.get(id);
    if (r?.stableId) this.stable.delete(r.stableId);
    this.groups.own.delete(id);
  }

  contacts(): Contact[] {
    return this.people.all();
  }

  rooms(): Room[] {
    return this.groups.all();
  }

  get size(): { contacts: number; rooms: number } {
    return { contacts: this.people.size, rooms: this.groups.size };
  }

  /** The per-session id of a stable id, else undefined. */
  private idOf(stableId: string): string | undefined {
    return this.stable.get(stableId) ?? this.book?.idOf(stableId);
  }

  contact(id: string): Contact | undefined {
    return this.people.get(id) ?? this.people.get(this.idOf(id) ?? '');
  }

  room(id: string): Room | undefined {
    return this.groups.get(id) ?? this.groups.get(this.idOf(id) ?? '');
  }

  /**
   * A contact by id, stable id, remark, nickname or alias: exact matches first (remark before
   * nickname, since the remark is what the owner chose), then case-insensitive.
   *
   * @example
   *   bot.directory.find('wxid_abc') ?? bot.directory.find('Alice');
   */
  find(query: string): Contact | undefined {
    const direct = this.contact(query);
    if (direct) return direct;
    const all = this.people.all();
    for (const key of ['remark', 'name', 'alias'] as const) {
      const hit = all.find((c) => c[key] === query);
      if (hit) return hit;
    }
    const q = query.toLowerCase();
    for (const key of ['remark', 'name', 'alias'] as const) {
      const hit = all.find((c) => c[key]?.toLowerCase() === q);
      if (hit) return hit;
    }
    return undefined;
  }

  /** A room by id, stable id or topic (exact, then case-insensitive). */
  findRoom(query: string): Room | undefined {
    const direct = this.room(query);
    if (direct) return direct;
    const all = this.groups.all();
    const q = query.toLowerCase();
    return all.find((r) => r.topic === query) ?? all.find((r) => r.topic.toLowerCase() === q);
  }

  /** A display name for a chat id (room topic, remark or nickname). */
  nameOf(id: string): string | undefined {
    const r = this.groups.get(id);
    if (r) return r.topic;
    const c = this.people.get(id);
    return c ? (c.remark ?? c.name) : undefined;
  }
}
