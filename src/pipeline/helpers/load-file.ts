/**
 * Load an image or file a user named in a setting: an http(s) URL, a `data:` URL, or a path inside
 * a base folder (the data folder). Paths that climb out of the base folder are refused, so a
 * setting cannot be used to read arbitrary files of the server.
 */
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { AxiosInstance } from 'axios';
import type { FileToSend } from '../../transport/transport.js';

export interface LoadFileOptions {
  /** For URLs (the plugin's `api.http`). */
  http: Pick<AxiosInstance, 'get'>;
  /** Folder relative paths are read from. */
  baseDir: string;
  /** Name to send; default: from the URL or path. */
  name?: string | undefined;
  /** Largest accepted size in bytes (default 20 MB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

const MIME_BY_EXT: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp4: 'video/mp4',
  zip: 'application/zip',
};

function mimeOf(name: string): string | undefined {
  return MIME_BY_EXT[name.split('.').pop()?.toLowerCase() ?? ''];
}

/** Whether a source is a URL (http(s) or data:) rather than a path. */
export function isUrlSource(source: string): boolean {
  return /^(https?:\/\/|data:)/i.test(source.trim());
}

/**
 * Whether the path `source` stays inside `baseDir` once resolved against it. Without a base folder
 * (not known yet, e.g. when a setting is saved before DATA_DIR is at hand) only relative paths that
 * never climb out can be vouched for.
 */
export function staysInside(source: string, baseDir: string | undefined): boolean {
  const src = source.trim();
  if (baseDir === undefined) return !isAbsolute(src) && !relative('/base', resolve('/base', src)).startsWith('..');
  const rel = relative(resolve(baseDir), resolve(baseDir, src));
  return !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Read `source` into a FileToSend; throws an Error naming the source when it cannot.
 *
 * @example
 *   const file = await loadFile('https://example.org/cat.png', { http: api.http, baseDir: '/data' });
 *   await ctx.replyImage(file);
 */
export async function loadFile(source: string, o: LoadFileOptions): Promise<FileToSend> {
  const max = o.maxBytes ?? 20 * 1024 * 1024;
  const src = source.trim();
  let data: Buffer;
  let name: string;
  let mimeType: string | undefined;
  const dataUrl = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(src);
  if (dataUrl) {
    mimeType = dataUrl[1] || undefined;
    data = dataUrl[2] ? Buffer.from(dataUrl[3] ?? '', 'base64') : Buffer.from(decodeURIComponent(dataUrl[3] ?? ''));
    name = `file.${mimeType?.split('/')[1] ?? 'bin'}`;
  } else if (/^https?:\/\//i.test(src)) {
    const res = await o.http.get<ArrayBuffer>(src, {
      responseType: 'arraybuffer',
      maxContentLength: max,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    data = Buffer.from(res.data);
    name = decodeURIComponent(basename(new URL(src).pathname)) || 'file';
    const ct = res.headers['content-type'];
    mimeType = typeof ct === 'string' ? ct.split(';')[0] : undefined;
  } else {
    const full = resolve(o.baseDir, src);
    if (!staysInside(src, o.baseDir)) throw new Error(`file ${JSON.stringify(src)} is outside the data folder`);
    try {
      data = await readFile(full);
    } catch (e) {
      throw new Error(`cannot read file ${JSON.stringify(src)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    name = basename(full);
  }
  if (data.length > max) throw new Error(`file ${JSON.stringify(src.slice(0, 80))} is larger than ${max} bytes`);
  if (o.name) name = o.name;
  mimeType ??= mimeOf(name);
  return mimeType ? { name, data, mimeType } : { name, data };
}
