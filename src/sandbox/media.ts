/**
 * In-memory media for the sandbox: uploaded files (by MediaId), media attached to injected
 * messages (by MsgId) and tiny valid sample files so downloads return real bytes. Bounded: the
 * oldest entries are evicted past `maxBytes`.
 */

export interface MediaItem {
  bytes: Buffer;
  name: string;
  mime: string;
  /** Account that owns it (uploads are per account). */
  account: string;
}

export class MediaStore {
  private items = new Map<string, MediaItem>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  put(key: string, item: MediaItem): void {
    const old = this.items.get(key);
    if (old) this.total -= old.bytes.length;
    this.items.set(key, item);
    this.total += item.bytes.length;
    while (this.total > this.maxBytes && this.items.size > 1) {
      const first = this.items.keys().next().value as string;
      if (first === key) break;
      this.total -= (this.items.get(first) as MediaItem).bytes.length;
      this.items.delete(first);
    }
  }

  get(key: string): MediaItem | undefined {
    return this.items.get(key);
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.items.size;
  }
}

/** A 1×1 PNG. */
export const SAMPLE_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A minimal JPEG (SOI … EOI) used as thumbnails and avatars. */
export const SAMPLE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
  'base64',
);

/** A silent MPEG audio frame repeated (plays as a short silence). */
export const SAMPLE_MP3 = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from('fffb9064' + '00'.repeat(413), 'hex')));

/** An ISO-BMFF header (`ftyp` box) plus padding: enough to be recognised as mp4. */
export const SAMPLE_MP4 = Buffer.concat([Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex'), Buffer.alloc(2048)]);

/** A 1×1 GIF for stickers. */
export const SAMPLE_GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

/** MIME type by file name extension (for uploads and Content-Disposition). */
export function mimeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const table: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    bmp: 'image/bmp',
    mp4: 'video/mp4',
    mp3: 'audio/mpeg',
    txt: 'text/plain',
    pdf: 'application/pdf',
    zip: 'application/zip',
  };
  return table[ext] ?? 'application/octet-stream';
}
