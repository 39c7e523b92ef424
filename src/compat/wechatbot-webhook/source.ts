/**
 * The callback's `source` field: `{room, to, from}`, each side a serialised Wechaty object
 * `{_events: {}, _eventsCount: 0, id, payload}` with puppet-wechat4u's payload fields, or `{}` when
 * absent (v2.8; `""` before, available as an option). Avatars point at this listener's
 * `/resouces`, as the original's did (localhost, no token).
 */
import type { Contact, Room } from '../../transport/model.js';

export interface SourceOptions {
  /** The listener's port, for avatar links (known once it listens). */
  port: () => number;
  /** `""` for an absent side, as before v2.8 (default `{}`). */
  legacyEmptySide?: boolean;
}

export type Side = Record<string, unknown> | '';

export const emptySide = (o: SourceOptions): Side => (o.legacyEmptySide ? '' : {});

const avatarUrl = (o: SourceOptions, id: string): string => `http://localhost:${o.port()}/resouces?media=${encodeURIComponent(id)}`;

const wechatyObject = (id: string, payload: Record<string, unknown>): Record<string, unknown> => ({ _events: {}, _eventsCount: 0, id, payload });

const GENDER = { unknown: 0, male: 1, female: 2 } as const;

/** A contact as puppet-wechat4u describes one (`type`: 1 person, 2 official account). */
export function contactSide(c: Contact, o: SourceOptions): Record<string, unknown> {
  return wechatyObject(c.id, {
    id: c.id,
    name: c.name,
    alias: c.remark ?? '',
    avatar: avatarUrl(o, c.id),
    gender: GENDER[c.gender],
    type: c.kind === 'official' ? 2 : 1,
    friend: c.kind === 'friend',
    star: c.starred,
    phone: [],
    city: c.city ?? '',
    province: c.province ?? '',
    signature: c.signature ?? '',
    address: '',
    weixin: c.alias ?? '',
  });
}

/** A group: its payload with `memberList` in place of the member-id list. */
export function roomSide(r: Room, o: SourceOptions): Record<string, unknown> {
  return wechatyObject(r.id, {
    id: r.id,
    topic: r.topic,
    avatar: avatarUrl(o, r.id),
    adminIdList: r.ownerId ? [r.ownerId] : [],
    memberList: r.members.map((m) => ({ id: m.id, name: m.name, alias: m.displayName ?? '', avatar: avatarUrl(o, m.id) })),
  });
}
