/**
 * An iLink message whose storing never commits (the process dies between receiving it and its
 * commit; here the commit fails, so nothing of its transaction is written) is handled after the
 * restart, exactly once: it is marked handled (its seen keys) only in the transaction that stores
 * it, and the session's cursor is never saved ahead of it. Real sandbox (cursor-replay: an older
 * cursor is answered again), real AccountManager + Bot + echo plugin, a real store file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type IlinkControl, type RunningSandbox } from '../../src/sandbox/index.js';
import { AccountManager } from '../../src/accounts/account-manager.js';
import { PluginRegistry } from '../../src/pipeline/index.js';
import type { Repos, Store, TransactionOptions } from '../../src/store/index.js';
import { openTestStore } from '../helpers/store.js';
import { silentLogger } from '../../src/logger.js';
import { waitUntil } from '../../src/testing/wait.js';
import { accountClient } from './helpers/clients.js';

const texts = (items: { type: string; text?: string }[]): string => items.map((i) => i.text ?? `[${i.type}]`).join('');

/** The store, with every transaction that stores a message with this text failing before its commit. */
function failingToStore(store: Store, text: string): Store {
  const messages = (tx: Repos): Repos['messages'] =>
    new Proxy(tx.messages, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key !== 'insert') return value;
        return (...args: Parameters<Repos['messages']['insert']>) => {
          if (args[1].text === text) return Promise.reject(new Error('the process died before the commit'));
          return target.insert(...args);
        };
      },
    });
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (key !== 'transaction') return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      return <T>(fn: (tx: Repos) => Promise<T>, o?: TransactionOptions<T>) =>
        target.transaction(
          (tx) =>
            fn(
              new Proxy(tx, {
                get(t, k) {
                  if (k === 'messages') return messages(t);
                  const v = Reflect.get(t, k) as unknown;
                  return typeof v === 'function' ? (v as () => unknown).bind(t) : v;
                },
              }),
            ),
          o,
        );
    },
  });
}

describe('iLink: a message not stored is not marked handled', () => {
  let sb: RunningSandbox;
  let il: IlinkControl;
  let dir: string;
  let store: Store;

  async function manager(s: Store): Promise<AccountManager> {
    const m = new AccountManager({
      store: s,
      log: silentLogger(),
      createTransport: (id) => accountClient(sb.origin, { seen: s.seenKeys(id) }),
      pluginRegistry: await PluginRegistry.load(),
      sendPacing: 'off',
      botPlugins: ['echo'],
      autoRelogin: false,
    });
    await m.start('il');
    await waitUntil(() => m.get('il')?.info().state === 'online', 20_000, 'the iLink account online');
    return m;
  }

  before(async () => {
    sb = await startSandbox({ ilink: { pollHoldMs: 300, longPollTimeoutMs: 1000, autoConfirmMs: 10, cursorMode: 'cursor-replay' } });
    il = sb.ilink.control;
    dir = mkdtempSync(join(tmpdir(), 'weiroto-ilink-crash-'));
    store = await openTestStore({ dataDir: dir });
    await store.accounts.create({ name: 'il', id: 'il' });
  });
  after(async () => {
    await sb.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the message whose commit failed is fetched again from the saved cursor after the restart and answered once; the others once too', async () => {
    const start = (await il.sent()).next;
    // A first run that stores everything, so that a session with a cursor is saved.
    let m = await manager(store);
    await il.sendMessage({ text: 'before' });
    await il.waitForSent((s) => s.decision === 'delivered' && texts(s.items) === 'before', { since: start, timeoutMs: 15_000 });
    await m.stopAll();

    // The run in which storing 'lost' fails (and with it everything its transaction wrote).
    m = await manager(failingToStore(store, 'lost'));
    const failed = new Promise<void>((resolve) => m.get('il')!.on('error', () => resolve()));
    await il.sendMessage({ text: 'lost' });
    await failed;
    await il.sendMessage({ text: 'after' });
    await il.waitForSent((s) => s.decision === 'delivered' && texts(s.items) === 'after', { since: start, timeoutMs: 15_000 });
    await m.stopAll();
    assert.equal((await store.messages.list('il', { limit: 50 })).items.filter((r) => r.text === 'lost').length, 0, 'nothing of it was stored');

    // The restart: the saved cursor is from before 'lost', which the sandbox hands out again with 'after'.
    m = await manager(store);
    try {
      await il.waitForSent((s) => s.decision === 'delivered' && texts(s.items) === 'lost', { since: start, timeoutMs: 15_000 });
      await il.sendMessage({ text: 'last' });
      await il.waitForSent((s) => s.decision === 'delivered' && texts(s.items) === 'last', { since: start, timeoutMs: 15_000 });
      const delivered = (await il.sent(start)).messages.filter((s) => s.decision === 'delivered').map((s) => texts(s.items));
      assert.deepEqual(delivered, ['before', 'after', 'lost', 'last'], 'each answered once');
    } finally {
      await m.stopAll();
    }
  });
});
