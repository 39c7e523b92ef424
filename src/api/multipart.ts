/** multipart/form-data for file sends: a few text fields and one file, held in memory up to a limit. */
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

export interface MultipartBody {
  fields: Record<string, string>;
  file?: { name: string; data: Buffer; mimeType: string };
}

/**
 * @example
 *   const { fields, file } = await readMultipart(ctx.req, 25 * 1024 * 1024);
 */
export function readMultipart(req: IncomingMessage, maxBytes: number): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024 } });
    } catch (e) {
      return reject(new ApiError(400, 'bad_request', `Malformed multipart request: ${(e as Error).message}`));
    }
    const out: MultipartBody = { fields: {} };
    let failure: ApiError | undefined;
    bb.on('field', (name, value) => {
      out.fields[name] = value;
    });
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        failure = new ApiError(413, 'payload_too_large', `The file is larger than ${maxBytes} bytes.`);
      });
      stream.on('end', () => {
        if (!failure) out.file = { name: info.filename || 'file', data: Buffer.concat(chunks), mimeType: info.mimeType || 'application/octet-stream' };
      });
    });
    bb.on('filesLimit', () => {
      failure ??= new ApiError(400, 'bad_request', 'Send one file per request.');
    });
    bb.on('error', (e: Error) => reject(new ApiError(400, 'bad_request', `Malformed multipart request: ${e.message}`)));
    bb.on('close', () => (failure ? reject(failure) : resolve(out)));
    req.pipe(bb);
  });
}
