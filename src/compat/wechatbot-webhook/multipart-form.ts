/** A multipart/form-data body written out in field order (the callback's receivers read it with any form parser). */
import { randomBytes } from 'node:crypto';

export type FormField = { name: string; value: string } | { name: string; file: { name: string; data: Buffer; contentType: string } };

const quote = (s: string): string => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));

/**
 * @example
 *   const { body, contentType } = multipartForm([{ name: 'type', value: 'text' }]);
 */
export function multipartForm(
  fields: FormField[],
  boundary = '--------------------------' + randomBytes(12).toString('hex'),
): { body: Buffer; contentType: string } {
  const parts: Buffer[] = [];
  for (const f of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(f.name)}"`;
    if ('file' in f) head += `; filename="${quote(f.file.name)}"\r\nContent-Type: ${f.file.contentType}`;
    parts.push(Buffer.from(head + '\r\n\r\n'), 'file' in f ? f.file.data : Buffer.from(f.value), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
