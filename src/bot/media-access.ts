/**
 * An account's media, without the rest of its transport: a message's image, voice, video or file,
 * and contacts' avatars. What the panel and the API serve to the browser (which never talks to
 * WeChat itself); like `contacts`, it lets them reach WeChat through the bot instead of holding the
 * transport, which could stop the account or log it out.
 */
import { requireCapability } from '../transport/capabilities.js';
import type { Message } from '../transport/model.js';
import type { MediaVariant, Transport } from '../transport/transport.js';

export interface MediaAccess {
  /** The bytes of a message's media; `thumb` asks for an image's preview. */
  download(message: Message, variant?: MediaVariant): Promise<Buffer>;
  /** A contact's avatar image. Needs 'avatars' (UnsupportedError otherwise). */
  avatar(contactId: string): Promise<Buffer>;
}

/**
 * Media on whatever transport the account uses now (a re-login swaps it).
 *
 * @example
 *   const media = createMediaAccess(() => bot.transport);
 *   const jpeg = await media.download(message, 'thumb');
 */
export function createMediaAccess(transport: () => Transport): MediaAccess {
  return Object.freeze({
    download: async (message: Message, variant?: MediaVariant) => transport().download(message, variant),
    avatar: async (contactId: string) => {
      const t = transport();
      requireCapability(t.capabilities, 'avatars', 'download an avatar');
      return t.downloadAvatar(contactId);
    },
  });
}
