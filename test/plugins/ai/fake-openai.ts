/**
 * A local OpenAI-compatible chat-completions server for tests (node:http on 127.0.0.1:0). Each
 * request is recorded; the answer comes from a handler the test sets (default: echo the last
 * user message, prefixed with the number of history messages so memory is visible).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  authorization: string | undefined;
}

export type Behaviour = { answer: string } | { status: number; body?: unknown; headers?: Record<string, string> } | { until: Promise<void | string> } | 'echo';

export interface FakeOpenAi {
  baseUrl: string;
  requests: ChatRequest[];
  /** Queue of behaviours for the next requests; when empty, `fallback` applies. */
  next: Behaviour[];
  fallback: Behaviour;
  close(): Promise<void>;
}

function echo(req: ChatRequest): string {
  const last = req.messages[req.messages.length - 1]?.content ?? '';
  const history = req.messages.filter((m) => m.role !== 'system').length - 1;
  return `[${history}] ${last}`;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const pending = new Set<ServerResponse>();
  const api: FakeOpenAi = { baseUrl: '', requests: [], next: [], fallback: 'echo', close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        model: string;
        messages: { role: string; content: string }[];
      };
      const r: ChatRequest = {
        model: body.model,
        messages: body.messages,
        authorization: req.headers.authorization,
      };
      api.requests.push(r);
      const b = api.next.shift() ?? api.fallback;
      const ok = (content: string): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'x',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          }),
        );
      };
      if (b === 'echo') ok(echo(r));
      else if ('answer' in b) ok(b.answer);
      else if ('status' in b) {
        res.writeHead(b.status, { 'content-type': 'application/json', ...b.headers });
        res.end(JSON.stringify(b.body ?? { error: { message: `status ${b.status}` } }));
      } else {
        // Thinks until the test lets it answer: no race between the test's clock and this server's.
        pending.add(res);
        void b.until.then((answer) => {
          pending.delete(res);
          if (!res.destroyed) ok(answer ?? 'too late');
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  api.close = async () => {
    for (const r of pending) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return api;
}
