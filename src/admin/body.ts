/**
 * Request bodies: urlencoded forms and JSON through @koa/bodyparser, multipart (file uploads) through
 * busboy for the routes that accept it. Limits are small on purpose; an over-large upload is a 413.
 */
import busboy from 'busboy';
import type Koa from 'koa';
import type { UploadedFile } from './router.js';

export const MAX_UPLOAD = 25 * 1024 * 1024;

/** Parse a multipart body into fields and files. */
export function parseMultipart(ctx: Koa.Context, limit = MAX_UPLOAD): Promise<{ form: Record<string, unknown>; files: UploadedFile[] }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: ctx.req.headers, limits: { fileSize: limit, files: 5, fields: 50 } });
    } catch (e) {
      reject(Object.assign(new Error((e as Error).message), { status: 400, expose: true }));
      return;
    }
    const form: Record<string, unknown> = {};
    const files: UploadedFile[] = [];
    let tooBig = false;
    bb.on('field', (name, value) => {
      const cur = form[name];
      form[name] = cur === undefined ? value : Array.isArray(cur) ? [...(cur as unknown[]), value] : [cur, value];
    });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        tooBig = true;
      });
      stream.on('end', () => {
        if (info.filename) files.push({ field: name, name: info.filename, mimeType: info.mimeType, data: Buffer.concat(chunks) });
      });
    });
    bb.on('error', (e: Error) => reject(Object.assign(e, { status: 400, expose: true })));
    bb.on('close', () => {
      if (tooBig) reject(Object.assign(new Error('file too large'), { status: 413, expose: true }));
      else resolve({ form, files });
    });
    ctx.req.pipe(bb);
  });
}
