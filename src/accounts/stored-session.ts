/**
 * An account's session in the store: read at the start of a login (one that cannot be opened is
 * forgotten), and saved once what it covers is stored, skipping a save of the same session again.
 */
import type { Logger } from 'pino';
import { UnreadableSession } from '../store/index.js';
import type { ManagedAccount } from './managed-account.js';

/**
 * The account's saved session. One that cannot be opened (sealed with another SECRET_KEY, or damaged)
 * is forgotten, and the login starts afresh rather than refuse to start; any other error (the
 * database did not answer in time) fails this attempt, which is retried with the session kept.
 */
export async function loadSession(a: ManagedAccount, fresh: boolean, log: Logger): Promise<Record<string, unknown> | undefined> {
  try {
    // A run's first login reads the session out of the store's line: nothing here writes it then (the last
    // run's saves were awaited as it stopped), and a node taking the account over restores it sooner. A
    // later login may follow a logout whose clearing is still in line: it reads in line, after it.
    const session = await (fresh ? a.store.sessions : a.store.outOfLine.sessions).load(a.bot.id);
    if (session) a.storedSession = JSON.stringify(session);
    return session;
  } catch (e) {
    if (!(e instanceof UnreadableSession)) throw e;
    log.warn({ err: e, account: a.bot.id }, 'saved session unreadable; a new login is needed');
    await a.store.sessions.clear(a.bot.id);
    return undefined;
  }
}

/** Save the account's session as it stands (never throws: a failed save is logged). */
export async function saveSession(a: ManagedAccount, log: Logger): Promise<void> {
  try {
    const snap = a.bot.snapshot();
    if (!snap) return;
    const json = JSON.stringify(snap);
    if (json === a.storedSession) return;
    // Its cursor or sync key covers the messages received so far: saved only once they are stored.
    let stored = a.bot.storedSoFar();
    if (typeof stored !== 'boolean') {
      stored = await stored;
      if (!a.bot.snapshot()) return; // logged out meanwhile: its session is cleared, not saved again
    }
    if (!stored) {
      log.warn({ account: a.bot.id }, 'session not saved: received messages could not be stored; a restart fetches them again');
      return;
    }
    await a.store.sessions.save(a.bot.id, snap);
    a.storedSession = json;
  } catch (e) {
    log.warn({ err: e, account: a.bot.id }, 'could not save the session');
  }
}
