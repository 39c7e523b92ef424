/**
 * A send target the account does not know is refused before anything is fetched, written or
 * queued (422 `target_not_found`, naming it), as the panel's send box does: a web-protocol send to
 * an unknown or stale id (ids change at each login) would only fail later with WeChat's Ret -1.
 * Accounts without a contact list (iLink) are left to the transport: a user who has not written yet
 * is a legitimate target there, whose send waits for them (docs/api.md, "Sending").
 */
import { supports } from '../transport/capabilities.js';
import type { SendTarget } from '../bot/types.js';
import type { ApiBot } from './types.js';
import { ApiError } from './errors.js';

function refuse(path: string, message: string): never {
  throw new ApiError(422, 'target_not_found', message, [{ path, message }]);
}

/** Throws ApiError 422 when the web account's directory has no such friend, group or id. */
export function checkSendTarget(b: ApiBot, to: SendTarget): void {
  if (!supports(b.capabilities, 'directory')) return;
  const d = b.directory;
  if ('id' in to) {
    if (d.contact(to.id) || d.room(to.id) || b.info().self?.id === to.id) return;
    refuse(
      'to.id',
      `No friend or group with id "${to.id}" in this account. Ids change at each web login: look it up again (GET /accounts/:id/contacts or /rooms) or send by name.`,
    );
  }
  if ('room' in to) {
    if (!d.findRoom(to.room)) refuse('to.room', `No group with topic or id "${to.room}" in this account.`);
    return;
  }
  if (!d.find(to.name)) refuse('to.name', `No friend called "${to.name}" in this account (nickname, remark, alias or id).`);
}
