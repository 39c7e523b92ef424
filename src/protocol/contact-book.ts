/**
 * The session's directory of contacts and rooms, built from raw entries as they arrive (init,
 * getcontact pages, batchgetcontact, ModContactList) and the SYNC_CONV stable-id mapping. Each raw
 * entry is converted once; lookups are Map reads. Cleared on every new login (ids change, §13).
 */
import type { Contact, Room } from '../transport/model.js';
import { isRoomId, parseContact, parseRoom } from './parse-contact.js';
import type { RawContact } from './raw-types.js';

export type BookChange = { kind: 'contact'; contact: Contact } | { kind: 'room'; room: Room };

export class ContactBook {
  readonly contacts = new Map<string, Contact>();
  readonly rooms = new Map<string, Room>();
  /** Per-login UserName → stable id (wxid_…, NNN@chatroom, gh_…) from SYNC_CONV (§10.6). */
  readonly stableIds = new Map<string, string>();
  /** Member display names per room (member id → name shown in that room). */
  private readonly memberNames = new Map<string, Map<string, string>>();
  selfId = '';
  selfName = '';

  clear(): void {
    this.contacts.clear();
    this.rooms.clear();
    this.stableIds.clear();
    this.memberNames.clear();
  }

  /** Convert and store one raw entry; returns the domain object. */
  upsert(raw: RawContact): BookChange | undefined {
    if (!raw || typeof raw.UserName !== 'string' || raw.UserName === '') return undefined;
    const id = raw.UserName;
    if (isRoomId(id)) {
      const room = parseRoom(raw, this.selfId || undefined, this.stableIds.get(id), this.rooms.get(id));
      this.rooms.set(id, room);
      if (raw.MemberList && raw.MemberList.length > 0) {
        const names = new Map<string, string>();
        for (const m of room.members) names.set(m.id, m.displayName ?? m.name);
        this.memberNames.set(id, names);
      }
      return { kind: 'room', room };
    }
    const contact = parseContact(raw, this.selfId || undefined, this.stableIds.get(id));
    this.contacts.set(id, contact);
    return { kind: 'contact', contact };
  }

  remove(id: string): 'contact' | 'room' | undefined {
    if (this.rooms.delete(id)) {
      this.memberNames.delete(id);
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
      this.stableIds.set(u, s);
      const c = this.contacts.get(u);
      if (c) c.stableId = s;
      const r = this.rooms.get(u);
      if (r) r.stableId = s;
    }
  }

  /** Best-known name of a contact, or of a member inside a room. */
  nameOf(id: string, roomId?: string): string | undefined {
    if (roomId) {
      const n = this.memberNames.get(roomId)?.get(id);
      if (n) return n;
    }
    const c = this.contacts.get(id);
    if (c) return c.remark ?? c.name;
    return this.rooms.get(id)?.topic;
  }

  /** Names that @-mention this account in a room: group display name, then nickname. */
  selfNamesIn(roomId: string): string[] {
    const out: string[] = [];
    const dn = this.memberNames.get(roomId)?.get(this.selfId);
    if (dn) out.push(dn);
    if (this.selfName && this.selfName !== dn) out.push(this.selfName);
    return out;
  }

  hasMember(roomId: string, memberId: string): boolean {
    return this.memberNames.get(roomId)?.has(memberId) ?? false;
  }

  /** Member ids whose shown name is one of `names` (for 10000 join/leave texts). */
  memberIdsByName(roomId: string, names: readonly string[]): string[] {
    const members = this.memberNames.get(roomId);
    const room = this.rooms.get(roomId);
    if (!members || !room) return [];
    const out: string[] = [];
    for (const m of room.members) if (names.includes(m.displayName ?? '') || names.includes(m.name)) out.push(m.id);
    return out;
  }

  /** Rooms known by id but without a member list yet. */
  roomsWithoutMembers(): string[] {
    const out: string[] = [];
    for (const r of this.rooms.values()) if (r.members.length === 0) out.push(r.id);
    return out;
  }
}
