/**
 * The session's own `http.client.request.start`: its small requests (connection-pool.ts) and its
 * long poll (poll-connection.ts) no longer go through node:http, so node's channel does not see them.
 * Published each time a request is written to a socket, a second sending on a new socket included,
 * with what node's `request` has of it (host, method, path). Benches count requests by it (bench/scale).
 */
import { channel } from 'node:diagnostics_channel';

export const REQUEST_START = 'weiroto.http.request.start';

/** What `REQUEST_START` carries. */
export interface RequestStartMessage {
  /** Where the bytes went (`host:port` of the socket's URL). */
  host: string;
  method: string;
  /** The request line's path and query. */
  path: string;
}

const requestStart = channel(REQUEST_START);

/**
 * Tell the subscribers, if any, that `bytes` (a request's head, maybe with its body) were written to
 * `target`'s socket. Read from the request line only when someone listens: nothing is made otherwise.
 */
export function requestStarted(target: URL, bytes: string | Buffer): void {
  if (!requestStart.hasSubscribers) return;
  const end = bytes.indexOf('\r\n');
  const line = typeof bytes === 'string' ? bytes.slice(0, end) : bytes.toString('latin1', 0, end);
  const [method = '', path = ''] = line.split(' ');
  requestStart.publish({ host: target.host, method, path } satisfies RequestStartMessage);
}
