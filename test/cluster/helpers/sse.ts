/**
 * Server-sent event streams of a node, read as they come: the panel's (signed in by cookie) and the
 * API's (by token). Every frame is kept in order, comments (the keep-alive) included, so a test can
 * tell what woke a stream.
 */
import assert from 'node:assert/strict';
import type { Client } from '../../admin/helpers/panel-stack.js';

export interface SseFrame {
  /** `id:` (the event log's seq on the API's stream). */
  id?: number;
  event?: string;
  data?: Record<string, unknown>;
  /** A comment line (`: keep-alive`). */
  comment?: string;
  /** A `retry:` line (the API's stream writes one first, once it has fixed where it starts). */
  retry?: number;
  /** When it was read (`performance.now()`): a test tells a frame the keep-alive woke from one that came on its own. */
  at: number;
}

/** Read the stream at `url`, each frame to `onFrame`, until `stop` aborts (the reading goes on in the background). */
export async function readSse(url: string, headers: Record<string, string>, onFrame: (frame: SseFrame) => void, stop: AbortSignal): Promise<void> {
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: stop });
  assert.equal(res.status, 200, `SSE ${url}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          onFrame(parseFrame(buffer.slice(0, cut), performance.now()));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
}

function parseFrame(text: string, at: number): SseFrame {
  const frame: SseFrame = { at };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    const [field, value] = colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
    if (field === '') frame.comment = value;
    else if (field === 'id') frame.id = Number(value);
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = JSON.parse(value) as Record<string, unknown>;
    else if (field === 'retry') frame.retry = Number(value);
  }
  return frame;
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Read a panel SSE stream (signed in as `client`) into `events` until `stop` is aborted. */
export async function followSse(client: Client, path: string, events: SseEvent[], stop: AbortSignal): Promise<void> {
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const onFrame = (f: SseFrame): void => {
    if (f.event && f.data) events.push({ event: f.event, data: f.data });
  };
  await readSse(client.base + path, { cookie }, onFrame, stop);
}
