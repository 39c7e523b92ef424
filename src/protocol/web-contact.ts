/**
 * A contact as the web session's book keeps it. One process may hold 1,000 accounts of 500
 * contacts each (issue 17), so a contact is one object of one class with every field of Contact
 * as an own property (spreads, JSON and the store see what they saw of a plain Contact), except
 * the avatar. WeChat's HeadImgUrl of a contact is, without its skey, almost always
 * `/cgi-bin/mmwebwx-bin/webwxgeticon?seq=N&username=<id>`: a 100-character string that weighed
 * as much as the rest of the contact. Only N is kept and the path is rebuilt when read (downloads,
 * the store); a path of any other form is kept as it came.
 */
import type { Contact, ContactKind, Gender } from '../transport/model.js';

const ICON = '/cgi-bin/mmwebwx-bin/webwxgeticon';

const PLAIN_ID = /^[\w@.-]+$/;

/** The usual avatar path of a contact, as `avatarPath` gives it. */
function iconPath(seq: number, id: string): string {
  // The form encoding leaves these characters as they are, but for `@` (every contact's JSON in
  // the store is made with this path: the restart of an account writes 500).
  if (PLAIN_ID.test(id)) return `${ICON}?seq=${seq}&username=${id.replaceAll('@', '%40')}`;
  return `${ICON}?${new URLSearchParams([
    ['seq', String(seq)],
    ['username', id],
  ]).toString()}`;
}

/**
 * What a contact keeps of its avatar path: the seq when the path is the usual one for this id
 * (rebuilt to the same string), else the path.
 *
 * @example compactAvatar('/cgi-bin/mmwebwx-bin/webwxgeticon?seq=7&username=%40a', '@a') // 7
 */
export function compactAvatar(path: string, id: string): number | string {
  const at = path.indexOf('?seq=');
  if (at !== ICON.length || !path.startsWith(ICON)) return path;
  const end = path.indexOf('&', at);
  const seq = Number(path.slice(at + 5, end));
  return Number.isSafeInteger(seq) && seq >= 0 && iconPath(seq, id) === path ? seq : path;
}

/** What every contact has (the rest is set when known). */
export type WebContactFields = Pick<Contact, 'id' | 'name' | 'kind' | 'gender' | 'starred' | 'pinned' | 'muted'>;

export class WebContact implements Contact {
  id: string;
  name: string;
  kind: ContactKind;
  gender: Gender;
  starred: boolean;
  pinned: boolean;
  muted: boolean;
  // Set only when known, as on a plain Contact (no own `remark: undefined`).
  declare stableId?: string;
  declare remark?: string;
  declare alias?: string;
  declare signature?: string;
  declare province?: string;
  declare city?: string;
  /** See compactAvatar; not a property, so spreads and JSON do not see it. */
  #avatar: number | string | undefined;

  constructor(f: WebContactFields, avatarPath: string | undefined) {
    this.id = f.id;
    this.name = f.name;
    this.kind = f.kind;
    this.gender = f.gender;
    this.starred = f.starred;
    this.pinned = f.pinned;
    this.muted = f.muted;
    this.#avatar = avatarPath === undefined ? undefined : compactAvatar(avatarPath, f.id);
  }

  /** The avatar path without session secrets, as `avatarPath` made it. */
  get avatar(): string | undefined {
    const a = this.#avatar;
    return typeof a === 'number' ? iconPath(a, this.id) : a;
  }

  /** JSON (the store, webhooks, the event stream) with the avatar, as a plain Contact had it. */
  toJSON(): Contact {
    const avatar = this.avatar;
    return avatar === undefined ? { ...this } : { ...this, avatar };
  }
}
