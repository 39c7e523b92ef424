/**
 * One account's contacts and rooms, kept current from transport events. Look-ups by id are O(1);
 * look-ups by name scan (they serve the API and the panel, not the per-message path).
 */
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

export class Directory implements DirectoryView {
  private byId = new Map<string, Contact>();
  private roomsById = new Map<string, Room>();
  /** stableId → per-session id, for both contacts and rooms. */
  private stable = new Map<string, string>();

  /** Replace everything (after a full load). */
  load(contacts: Iterable<Contact>, rooms: Iterable<Room>): void {
    this.byId.clear();
    this.roomsById.clear();
    this.stable.clear();
    for (const c of contacts) this.putContact(c);
    for (const r of rooms) this.putRoom(r);
  }

  /** Add or replace a contact; returns whether it was new. */
  putContact(c: Contact): boolean {
    const isNew = !this.byId.has(c.id);
    this.byId.set(c.id, c);
    if (c.stableId) this.stable.set(c.stableId, c.id);
    return isNew;
  }

  removeContact(id: string): void {
    const c = this.byId.get(id);
    if (c?.stableId) this.stable.delete(c.stableId);
    this.byId.delete(id);
  }

  putRoom(r: Room): void {
    this.roomsById.set(r.id, r);
    if (r.stableId) this.stable.set(r.stableId, r.id);
  }

  removeRoom(id: string): void {
    const r = this.roomsById.get(id);
    if (r?.stableId) this.stable.delete(r.stableId);
    this.roomsById.delete(id);
  }

  contacts(): Contact[] {
    return [...this.byId.values()];
  }

  rooms(): Room[] {
    return [...this.roomsById.values()];
  }

  get size(): { contacts: number; rooms: number } {
    return { contacts: this.byId.size, rooms: this.roomsById.size };
  }

  contact(id: string): Contact | undefined {
    return this.byId.get(id) ?? this.byId.get(this.stable.get(id) ?? '');
  }

  room(id: string): Room | undefined {
    return this.roomsById.get(id) ?? this.roomsById.get(this.stable.get(id) ?? '');
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
    const all = [...this.byId.values()];
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
    const all = [...this.roomsById.values()];
    const q = query.toLowerCase();
    return all.find((r) => r.topic === query) ?? all.find((r) => r.topic.toLowerCase() === q);
  }

  /** A display name for a chat id (room topic, remark or nickname). */
  nameOf(id: string): string | undefined {
    const r = this.roomsById.get(id);
    if (r) return r.topic;
    const c = this.byId.get(id);
    return c ? (c.remark ?? c.name) : undefined;
  }
}
