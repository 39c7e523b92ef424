/**
 * A local RECVD_MSG_API receiver: parses each multipart callback (fields in order, the file part
 * with its name, type and bytes) and answers as a test script tells it to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import busboy from 'busboy';

export interface Callback {
  /** Field names in the order they came. */
  order: string[];
  fields: Record<string, string>;
  file?: { field: string; name: string; type: string; data: Buffer };
  /** `source` and (for JSON contents) `content`, parsed. */
  source: { room: any; to: any; from: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  contentType: string;
}

/** What to answer a callback with: a status and a body, or 'drop' to close the socket without an answer. */
export type Answer = { status: number; body: unknown } | 'drop';

export interface Receiver {
  url: string;
  got: Callback[];
  /** Decides the answer per callback (default 200 `{}`). */
  answer: (c: Callback, nth: number) => Answer;
  close(): Promise<void>;
}

function parse(req: IncomingMessage): Promise<Callback> {
  return new Promise((resolve, reject) => {
    const c: Callback = { order: [], fields: {}, source: { room: undefined, to: undefined, from: undefined }, contentType: req.headers['content-type'] ?? '' };
    const bb = busboy({ headers: req.headers });
    bb.on('field', (name, value) => {
      c.order.push(name);
      c.fields[name] = value;
    });
    bb.on('file', (field, stream, info) => {
      c.order.push(field);
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => (c.file = { field, name: info.filename ?? '', type: info.mimeType, data: Buffer.concat(chunks) }));
    });
    bb.on('close', () => {
      try {
        c.source = JSON.parse(c.fields.source ?? 'null');
      } catch {
        /* checked by the tests */
      }
      resolve(c);
    });
    bb.on('error', reject);
    req.pipe(bb);
  });
}

export async function startReceiver(): Promise<Receiver> {
  let n = 0;
  const r: Receiver = {
    url: '',
    got: [],
    answer: () => ({ status: 200, body: {} }),
    close: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    parse(req).then(
      (c) => {
        const a = r.answer(c, n++);
        if (a === 'drop') return void res.socket?.destroy();
        r.got.push(c);
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/recvd`;
  r.close = () =>
    new Promise((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
  return r;
}
