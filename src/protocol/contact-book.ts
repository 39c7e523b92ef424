/**
 * The session's directory of contacts and rooms, built from raw entries as they arrive (init,
 * getcontact pages, batchgetcontact, ModContactList) and the SYNC_CONV stable-id mapping. Each raw
 * entry is converted once; lookups are Map reads. Cleared on every new login (ids change, §13).
 */
import type { AddressBook } from '../transport/address-book.js';
import type { Contact, Room, RoomMember } from '../transport/model.js';
import { isRoomId, parseContact, parseRoom } from './parse-contact.js';
import type { RawContact } from './raw-types.js';

/** `left`: members in the previous full member list that are missing from this one. */
export type BookChange = { kind: 'contact'; contact: Contact } | { kind: 'room'; room: Room; left?: RoomMember[] };

/** Departed members remembered per room, so leave texts that arrive after the list changed resolve. */
const DEPARTED_KEPT = 50;

export class ContactBook implements AddressBook {
  readonly contacts = new Map<string, Contact>();
  readonly rooms = new Map<string, Room>();
  /** Per-login UserName → stable id (wxid_…, NNN@chatroom, gh_…) from SYNC_CONV (§10.6). */
  readonly stableIds = new Map<string, string>();
  /** The same pairs the other way round (a few dozen: SYNC_CONV names the recent chats). */
  private readonly idsByStable = new Map<string, string>();
  /** Contacts that came in for a new id after `loaded()` (few: a directory of 5,000 is not 5,000 additions). */
  private readonly additions = new WeakSet<Contact>();
  private startupOver = false;
  /**
   * Member id → name shown in the room, built on the first look-up in that room and kept with its
   * member list: most rooms never speak, and a process may hold 1,000 accounts' rooms (issue 17).
   * A new list is a new array, so a stale index goes with the old one.
   */
  private readonly memberNames = new WeakMap<RoomMember[], Map<string, string>>();
  /** Members who dropped out of a room's list, newest first (bounded per room). */
  private readonly departed = new Map<string, RoomMember[]>();
  /** The last topic change seen in a room entry: the 10000 rename text comes after it (§10.9). */
  private readonly topicChanges = new Map<string, { from: string; to: string }>();
  selfId = '';
  selfName = '';

  clear(): void {
    this.contacts.clear();
    this.rooms.clear();
    this.stableIds.clear();
    this.idsByStable.clear();
    this.departed.clear();
    this.topicChanges.clear();
    this.startupOver = false;
  }

  /** The start-up load is over: from now on a contact for an id the book did not hold is an addition. */
  loaded(): void {
    this.startupOver = true;
  }

  isAddition(contact: Contact): boolean {
    return this.additions.has(contact);
  }

  idOf(stableId: string): string | undefined {
    return this.idsByStable.get(stableId);
  }

  /** Convert and store one raw entry; returns the domain object. */
  upsert(raw: RawContact): BookChange | undefined {
    if (!raw || typeof raw.UserName !== 'string' || raw.UserName === '') return undefined;
    const id = raw.UserName;
    if (isRoomId(id)) {
      const prev = this.rooms.get(id);
      const room = parseRoom(raw, this.selfId || undefined, this.stableIds.get(id), prev);
      this.rooms.set(id, room);
      if (prev?.topic && prev.topic !== room.topic) this.topicChanges.set(id, { from: prev.topic, to: room.topic });
      let left: RoomMember[] | undefined;
      if (raw.MemberList && raw.MemberList.length > 0) {
        this.shareStrings(room);
        // Only a full list before and after says who left.
        if (prev && prev.members.length > 0) {
          const listed = new Set(room.members.map((m) => m.id));
          left = prev.members.filter((m) => !listed.has(m.id));
          if (left.length > 0) this.departed.set(id, [...left, ...(this.departed.get(id) ?? [])].slice(0, DEPARTED_KEPT));
        }
      }
      return left && left.length > 0 ? { kind: 'room', room, left } : { kind: 'room', room };
    }
    const contact = parseContact(raw, this.selfId || undefined, this.stableIds.get(id));
    if (this.startupOver && !this.contacts.has(id)) this.additions.add(contact);
    this.contacts.set(id, contact);
    return { kind: 'contact', contact };
  }

  /**
   * Members who are also contacts use the contact's id and nickname strings instead of their own
   * copies from the member list (a process may hold 1,000 accounts' rooms). Start-up fetches
   * members while the address book still loads, so it calls this once everything is in.
   */
  shareMemberStrings(): void {
    for (const room of this.rooms.values()) this.shareStrings(room);
  }

  /** Members who are contacts take the contact's id and nickname strings. */
  private shareStrings(room: Room): void {
    for (const m of room.members) {
      const c = this.contacts.get(m.id);
      if (c) {
        m.id = c.id;
        if (m.name === c.name) m.name = c.name;
      }
    }
  }

  /** Member id → the name shown in this room (undefined for an unknown room). */
  private namesIn(roomId: string): Map<string, string> | undefined {
    const members = this.rooms.get(roomId)?.members;
    if (!members) return undefined;
    let names = this.memberNames.get(members);
    if (!names) {
      names = new Map(members.map((m) => [m.id, m.displayName ?? m.name]));
      this.memberNames.set(members, names);
    }
    return names;
  }

  remove(id: string): 'contact' | 'room' | undefined {
    if (this.rooms.delete(id)) {
      this.departed.delete(id);
      this.topicChanges.delete(id);
      return 'room';
    }
    return this.contacts.delete(id) ? 'contact' : undefined;
  }

  /** Apply a SYNC_CONV list (index-aligned UserNames and stable ids). */
  mapStableIds(userNames: readonly string[], stableIds: readonly string[]): void {
    if (userNames.length !== stableIds.length) return; // misaligned lists would map wrong ids
    for (let i = 0; i < userNames.length; i++) {
      const u = userNames[i]!;
      const s = stableIds[i]!;
      if (!u || !s) continue;
      const before = this.stableIds.get(u);
      if (before !== undefined && before !== s && this.idsByStable.get(before) === u) this.idsByStable.delete(before);
      this.stableIds.set(u, s);
      this.idsByStable.set(s, u);
      const c = this.contacts.get(u);
      if (c) c.stableId = s;
      const r = this.rooms.get(u);
      if (r) r.stableId = s;
    }
  }

  /** Best-known name of a contact, or of a member inside a room. */
  nameOf(id: string, roomId?: string): string | undefined {
    if (roomId) {
      const n = this.namesIn(roomId)?.get(id);
      if (n) return n;
    }
    const c = this.contacts.get(id);
    if (c) return c.remark ?? c.name;
    return this.rooms.get(id)?.topic;
  }

  /** Names that @-mention this account in a room: group display name, then nickname. */
  selfNamesIn(roomId: string): string[] {
    const out: string[] = [];
    const dn = this.namesIn(roomId)?.get(this.selfId);
    if (dn) out.push(dn);
    if (this.selfName && this.selfName !== dn) out.push(this.selfName);
    return out;
  }

  hasMember(roomId: string, memberId: string): boolean {
    return this.namesIn(roomId)?.has(memberId) ?? false;
  }

  /** Member ids whose shown name is one of `names` (for 10000 join/leave texts). */
  memberIdsByName(roomId: string, names: readonly string[]): string[] {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    const out: string[] = [];
    for (const m of room.members) if (names.includes(m.displayName ?? '') || names.includes(m.name)) out.push(m.id);
    return out;
  }

  /**
   * Ids for the names of a leave text: per name a member who just left the list (most recent
   * first), else one still listed (the list change may not have arrived yet).
   */
  leftIdsByName(roomId: string, names: readonly string[]): string[] {
    const departed = this.departed.get(roomId) ?? [];
    const out = new Set<string>();
    for (const name of names) {
      const gone = departed.find((m) => m.displayName === name || m.name === name);
      if (gone) out.add(gone.id);
      else for (const id of this.memberIdsByName(roomId, [name])) out.add(id);
    }
    return [...out];
  }

  /** The topic before the last change to `topic` (once; later calls return undefined). */
  takePreviousTopic(roomId: string, topic: string): string | undefined {
    const c = this.topicChanges.get(roomId);
    if (!c || c.to !== topic) return undefined;
    this.topicChanges.delete(roomId);
    return c.from;
  }

  /** Rooms known by id but without a member list yet. */
  roomsWithoutMembers(): string[] {
    const out: string[] = [];
    for (const r of this.rooms.values()) if (r.members.length === 0) out.push(r.id);
    return out;
  }
}
