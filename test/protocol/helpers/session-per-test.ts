/**
 * The fake WeChat and the web transport of one test, torn down after it whatever the test did (passed, failed,
 * threw before starting the transport): the transport is stopped first (its stop still talks to the fake:
 * webwxlogout), then the fake is closed, even when the stop failed, so that no server or poll outlives its test.
 * Registers the file's `afterEach` itself.
 *
 * @example
 *   const sessions = sessionPerTest();
 *   it('…', async () => {
 *     const { fake, transport } = await sessions.open(happyRoutes());
 *     await transport.start();
 *   });
 */
import { afterEach } from 'node:test';
import { createWebTransport, type WebTransportOptions } from '../../../src/protocol/index.js';
import type { Transport } from '../../../src/transport/transport.js';
import { startFakeWechat, type FakeWechat, type Handler } from './fake-wechat.js';

export interface WebSession {
  fake: FakeWechat;
  /** Created, not started. */
  transport: Transport;
}

export interface SessionPerTest {
  /** A fake WeChat answering `routes`, and a web transport pointed at it. */
  open(routes: Record<string, Handler>, options?: Omit<WebTransportOptions, 'endpoint'>): Promise<WebSession>;
}

export function sessionPerTest(): SessionPerTest {
  let opened: Partial<WebSession>[] = [];
  afterEach(async () => {
    const sessions = opened;
    opened = [];
    for (const { fake, transport } of sessions) {
      try {
        await transport?.stop();
      } finally {
        await fake?.close();
      }
    }
  });
  return {
    async open(routes, options = {}) {
      const session: Partial<WebSession> = {};
      opened.push(session);
      const fake = (session.fake = await startFakeWechat(routes));
      const transport = (session.transport = createWebTransport({ ...options, endpoint: fake.origin }));
      return { fake, transport };
    },
  };
}
