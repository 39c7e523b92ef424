/**
 * `fileUrl` content: one or more comma-separated URLs, each fetched through weiroto's guarded fetch
 * (the original had no SSRF guard) and sent in turn. A `$alias=<name>` query parameter picks the
 * file name the recipient sees (and is not sent to the file's server); otherwise the name is the
 * last path segment when it has an extension, else `<ms>.<extension of the Content-Type>`.
 */
import { extname } from 'node:path';
import type { OutgoingContent } from '../../bot/types.js';
import { safeFetch } from '../../webhook/safe-fetch.js';

const EXT_OF_TYPE: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'application/zip': 'zip',
};

/** A Content-Type from a file name's extension (octet-stream when unknown). */
export function mimeOfName(name: string): string {
  const ext = extname(name).slice(1).toLowerCase();
  const found = Object.entries(EXT_OF_TYPE).find(([, e]) => e === ext || (ext === 'jpeg' && e === 'jpg'));
  return found ? found[0] : 'application/octet-stream';
}

/**
 * The kind WeChat gets, from the file name's extension as the original's puppet decides it: bmp,
 * jpg, jpeg, png as a picture, mp4 as a video, anything else as an attachment. (A gif went as a
 * sticker there; weiroto's send queue has no sticker kind, so it goes as a picture.)
 */
export function kindOfName(name: string): 'image' | 'video' | 'file' {
  const ext = extname(name).slice(1).toLowerCase();
  if (['bmp', 'jpg', 'jpeg', 'png', 'gif'].includes(ext)) return 'image';
  if (ext === 'mp4') return 'video';
  return 'file';
}

/** The URLs of a `fileUrl` content, each with the name `$alias` asks for. */
export function splitFileUrls(content: string): { url: string; alias?: string }[] {
  return content
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw) => {
      try {
        const u = new URL(raw);
        const alias = u.searchParams.get('$alias') ?? undefined;
        u.searchParams.delete('$alias');
        return { url: u.toString(), ...(alias && { alias }) };
      } catch {
        return { url: raw };
      }
    });
}

function nameFor(url: string, contentType: string | undefined, now: () => number): string {
  let segment = '';
  try {
    segment = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    segment = '';
  }
  if (segment.indexOf('.') > 0) return segment;
  const ext = (contentType && EXT_OF_TYPE[contentType]) ?? contentType?.split('/')[1]?.replace(/[^a-z0-9]/gi, '') ?? 'bin';
  return `${now()}.${ext || 'bin'}`;
}

/** Fetch one URL into something to send. Throws FetchRefusedError for refused or failed fetches. */
export async function fetchFile(
  entry: { url: string; alias?: string },
  o: { allowPrivate: boolean; now?: () => number },
): Promise<Extract<OutgoingContent, { file: unknown }>> {
  const file = await safeFetch(entry.url, { allowPrivate: o.allowPrivate });
  const name = (entry.alias ?? nameFor(entry.url, file.contentType, o.now ?? Date.now)).replace(/[/\\\0]/g, '_').slice(0, 200);
  return { type: kindOfName(name), file: { name, data: file.data, ...(file.contentType && { mimeType: file.contentType }) } };
}
