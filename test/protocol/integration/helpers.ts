/** Shared set-up for integration tests: a sandbox, a transport on it, and small waits. */
import { createWebTransport, type WebTransportOptions } from '../../../src/protocol/index.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../../src/sandbox/index.js';
import type { Message } from '../../../src/transport/model.js';
import type { Transport } from '../../../src/transport/transport.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';
import { waitUntil } from '../../../src/testing/wait.js';

export const FAST: WebTransportOptions = {
  timeouts: { loginPoll: 3000, syncCheck: 2000, sync: 3000, other: 5000, jslogin: 3000 },
  sync: { backoffBaseMs: 50, backoffMaxMs: 400, emptySyncPauseMs: 100, watchdogSlackMs: 1000 },
};

/** `waitUntil` with this folder's longer default bound (a whole login can sit in front of the condition). */
export const until = (cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> => waitUntil(cond, ms, what);

export interface Rig {
  sb: RunningSandbox;
  t: Transport;
  messages: Message[];
  /** Set when the rig was built with `{ proxy: true }`: every request the transport made. */
  proxy?: RecordingProxy;
  close(): Promise<void>;
}

/** Sandbox with auto scan/confirm and a started transport (optionally behind a recording proxy). */
export async function rig(sbOpts: SandboxOptions = {}, tOpts: WebTransportOptions = {}, o: { proxy?: boolean } = {}): Promise<Rig> {
  const sb = await startSandbox({ holdMs: 300, autoScanMs: 10, autoConfirmMs: 10, contacts: 30, rooms: 4, roomSize: 8, ...sbOpts });
  const proxy = o.proxy ? await startRecordingProxy(sb.origin) : undefined;
  const t = createWebTransport({ endpoint: proxy?.origin ?? sb.origin, ...FAST, ...tOpts });
  const messages: Message[] = [];
  t.on('message', (m) => messages.push(m));
  const close = async (): Promise<void> => {
    await t.stop();
    await proxy?.close();
    await sb.close();
  };
  try {
    await t.start();
  } catch (err) {
    await close();
    throw err;
  }
  return { sb, t, messages, ...(proxy ? { proxy } : {}), close };
}

/** Inject a message and wait until the transport delivered it. */
export async function inject(r: Rig, m: Parameters<Rig['sb']['control']['sendMessage']>[0], ms = 5000): Promise<Message> {
  const { msgId } = await r.sb.control.sendMessage(m);
  await until(() => r.messages.some((x) => x.id === msgId), ms, `message ${msgId} (${m.type ?? 'text'})`);
  return r.messages.find((x) => x.id === msgId)!;
}

export async function firstFriend(r: Rig, skip = 0): Promise<{ id: string; nickname: string }> {
  const st = await r.sb.control.state(true);
  const f = st.accounts[0]!.friends.filter((x) => x.kind === 'friend')[skip]!;
  const local = r.t.contacts().find((c) => c.name === f.nickname && c.kind === 'friend');
  if (!local) throw new Error(`friend ${f.nickname} not in the transport's contacts`);
  return { id: local.id, nickname: f.nickname };
}
