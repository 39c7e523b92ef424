// The repositories that moved into src/store (webhook endpoints, deliveries and event log, API
// tokens, Idempotency-Key, panel users), each against a real SQLite file through openStore, and the
// transactions that must stay atomic now that every call is asynchronous.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, loadOrCreateSecretKey, openStore, type Store } from '../../src/store/index.js';
import { packageRoot } from '../../src/util/paths.js';
import { openDatabase } from '../../src/store/database.js';
import { createIdempotencyRepo } from '../../src/store/idempotency-repo.js';
import { runSync, sqliteSql } from '../../src/store/sql/sqlite-driver.js';
import { silentLogger } from '../../src/logger.js';
import { createEventLog, createWebhookService } from '../../src/webhook/index.js';
import type { BotEvent } from '../../src/bot/types.js';
import { withRawDb } from '../helpers/raw-db.js';
import { endpointRow } from '../helpers/endpoint-row.js';

const root = mkdtempSync(join(tmpdir(), 'weiroto-feature-repos-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fresh = (): { dir: string; store: Store } => {
  const dir = mkdtempSync(join(root, 's-'));
  return { dir, store: openStore({ dataDir: dir }) };
};

const received = (id: string, chatId = 'c1'): BotEvent => ({ type: 'message.received', account: 'a1', chatId, at: Date.now(), data: { id, chatId, text: id } });

describe('webhook repositories', () => {
  it('keeps endpoints with sealed secrets, rotates with an overlap, and lists deliveries and attempts across a reopen', async () => {
    const made = fresh();
    const dir = made.dir;
    let store = made.store;
    const ep = await store.webhookEndpoints.insert(
      endpointRow({ id: 'ep_1', url: 'https://example.com/hook', description: 'd', eventTypes: ['message.received'], chats: ['c1'] }),
      'whsec_first',
      1000,
    );
    assert.deepEqual(ep.chats, ['c1']);
    await store.webhookEndpoints.rotate('ep_1', 'whsec_second', 5000, 2000);
    assert.deepEqual(await store.webhookEndpoints.signingSecrets('ep_1', 3000), ['whsec_second', 'whsec_first']);
    assert.deepEqual(await store.webhookEndpoints.signingSecrets('ep_1', 6000), ['whsec_second']);
    const sealed = withRawDb(dir, (db) => db.prepare('select secret_sealed from webhook_endpoints').get() as { secret_sealed: string });
    assert.doesNotMatch(sealed.secret_sealed, /whsec_second/, 'sealed at rest');

    const row = { webhookId: 'msg_1', endpointId: 'ep_1', eventType: 'account.login', account: 'a1', chatKey: '', body: '{}', at: 10, giveUpAt: 99 };
    const id = (await store.webhookDeliveries.insert(row))!;
    assert.equal(await store.webhookDeliveries.insert(row), undefined, 'a repeated webhook id is ignored');
    assert.deepEqual(await store.webhookDeliveries.claim([id], 11), [id]);
    assert.deepEqual(await store.webhookDeliveries.claim([id], 12), [], 'claimed once');
    await store.webhookDeliveries.recordAttempt({ deliveryId: id, at: 13, statusCode: 200, durationMs: 5, response: 'ok' });
    await store.webhookDeliveries.markDelivered(id, 200, 13);
    assert.equal(await store.webhookDeliveries.lastSessionEvent('ep_1', 'a1'), 'account.login');
    store.close();

    store = openStore({ dataDir: dir });
    assert.equal((await store.webhookDeliveries.get(id))!.status, 'delivered');
    assert.equal((await store.webhookDeliveries.attempts(id))[0]!.response, 'ok');
    assert.deepEqual(await store.webhookDeliveries.counts('ep_1'), { pending: 0, delivering: 0, delivered: 1, dead: 0 });
    assert.equal(await store.webhookEndpoints.remove('ep_1'), true);
    store.close();
  });

  it('the media-link key lives in settings, the same one after a reopen; an installation from before migration 070 keeps its key', async () => {
    const { dir, store } = fresh();
    const key = await store.settings.secretKey('webhook.media-key');
    store.close();
    const again = openStore({ dataDir: dir });
    assert.deepEqual(await again.settings.secretKey('webhook.media-key'), key);
    again.close();

    // Migration 070 moves webhook_meta's key into settings: links signed before the upgrade stay valid.
    const folder = mkdtempSync(join(root, 'legacy-'));
    const legacy = join(folder, 'migrations-before-070');
    cpSync(join(packageRoot(), 'src', 'store', 'migrations'), legacy, { recursive: true, filter: (src) => !/[/\\]07\d-[^/\\]*$/.test(src) });
    const db = openDatabase(folder, { migrationsDir: legacy });
    const oldKey = Buffer.alloc(32, 9);
    const box = new SecretBox(loadOrCreateSecretKey(folder));
    db.prepare(`insert into webhook_meta (key, value) values ('media_key', ?)`).run(box.seal(oldKey.toString('base64')));
    db.close();
    const upgraded = openStore({ dataDir: folder });
    assert.deepEqual(await upgraded.settings.secretKey('webhook.media-key'), oldKey);
    upgraded.close();
  });

  it('an event, its outbox row and its event-log row commit together or not at all', async () => {
    const { store } = fresh();
    const webhooks = await createWebhookService({ store, log: silentLogger(), sendReply: async () => {} });
    await webhooks.createEndpoint({ url: 'http://127.0.0.1:9/hook' });
    const log = createEventLog(store.eventLog);
    const writeBoth = (e: BotEvent, fail: boolean) =>
      store.transaction(async (tx) => {
        await webhooks.eventWriter(e, tx);
        await log.write(e, tx);
        if (fail) throw new Error('the message could not be stored');
      });
    await assert.rejects(writeBoth(received('m1'), true), /could not be stored/);
    assert.equal((await webhooks.listDeliveries()).items.length, 0, 'no outbox row');
    assert.equal(await log.lastSeq(), 0, 'no event-log row');
    await writeBoth(received('m2'), false);
    assert.equal((await webhooks.listDeliveries()).items.length, 1);
    assert.deepEqual(
      (await log.read({ after: 0 })).map((r) => r.type),
      ['message.received'],
    );
    // A reader that asks while a transaction is open waits for its end: it never sees half of it.
    let release!: () => void;
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const open = store.transaction(async (tx) => {
      await webhooks.eventWriter(received('m3'), tx);
      await new Promise<void>((r) => {
        release = r;
        inside();
      });
      await log.write(received('m3'), tx);
    });
    await entered;
    const read = log.read({ after: 0 });
    release();
    await open;
    assert.equal((await read).length, 2, 'the read ran after the commit');
    store.close();
  });
});

describe('API tokens and Idempotency-Key', () => {
  it('ensureToken makes API_TOKEN valid once; a revoke is final; only a hash is stored', async () => {
    const { dir, store } = fresh();
    const tokens = store.apiTokens;
    const a = await tokens.ensureToken('config-token-0123456789');
    const b = await tokens.ensureToken('config-token-0123456789');
    assert.equal(a.id, b.id);
    assert.equal(a.source, 'config');
    assert.equal((await tokens.list()).length, 1);
    const made = await tokens.create('n8n', { readOnly: true });
    assert.equal((await tokens.verify(made.token))?.name, 'n8n');
    assert.equal((await tokens.verify(made.token))?.readOnly, true);
    const hashes = withRawDb(dir, (db) => db.prepare('select hash from api_tokens').all() as { hash: string }[]);
    assert.ok(hashes.every((h) => h.hash !== made.token && /^[0-9a-f]{64}$/.test(h.hash)));
    await tokens.revoke(a.id);
    assert.equal(await tokens.verify('config-token-0123456789'), undefined);
    assert.ok((await tokens.ensureToken('config-token-0123456789')).revokedAt, 'ensureToken reports the revocation');
    assert.equal(await tokens.verify('config-token-0123456789'), undefined, 'and does not undo it');
    await assert.rejects(tokens.create('  '), /name/);
    store.close();
  });

  it('claims, replays, refuses another request, reports running, and forgets after the TTL', async () => {
    let t = 1000;
    const db = openDatabase(mkdtempSync(join(root, 'i-')));
    const s = createIdempotencyRepo(sqliteSql(db), () => t, { ttlMs: 10_000, staleMs: 500 });
    assert.deepEqual(runSync(db, s.begin('tok', 'k', 'h1')), { kind: 'new' });
    assert.deepEqual(runSync(db, s.begin('tok', 'k', 'h1')), { kind: 'running' });
    assert.deepEqual(runSync(db, s.begin('tok', 'k', 'h2')), { kind: 'mismatch' });
    assert.deepEqual(runSync(db, s.begin('other', 'k', 'h2')), { kind: 'new' }, 'keys are per token');
    runSync(db, s.finish('tok', 'k', { status: 202, body: { id: 'x' } }));
    assert.deepEqual(runSync(db, s.begin('tok', 'k', 'h1')), { kind: 'replay', answer: { status: 202, body: { id: 'x' } } });
    // A claim left by a crash is taken over once stale.
    t += 600;
    assert.deepEqual(runSync(db, s.begin('other', 'k', 'h2')), { kind: 'new' });
    t += 20_000;
    assert.deepEqual(runSync(db, s.begin('tok', 'k', 'h9')), { kind: 'new' });
    db.close();
  });

  it('two requests with the same key at once through the store: exactly one is new', async () => {
    const { store } = fresh();
    const answers = await Promise.all(Array.from({ length: 5 }, () => store.idempotency.begin('tok', 'same', 'h')));
    assert.deepEqual(answers.map((a) => a.kind).sort(), ['new', 'running', 'running', 'running', 'running']);
    store.close();
  });
});

describe('panel users', () => {
  it('keeps users and sessions; createFirst lets exactly one of many first admins in', async () => {
    const { dir, store } = fresh();
    const users = store.adminUsers;
    const made = await Promise.all(['ann', 'bob', 'cid'].map((username) => users.createFirst({ username, passwordHash: 'h', role: 'admin' })));
    assert.equal(made.filter(Boolean).length, 1, 'one first admin');
    assert.equal(await users.count(), 1);
    const first = made.find(Boolean)!;
    const session = await users.createSession(first.id, 60_000);
    assert.equal((await users.session(session.id))?.user.username, first.username);
    const stored = withRawDb(dir, (db) => db.prepare('select id_hash from admin_sessions').get() as { id_hash: string });
    assert.notEqual(stored.id_hash, session.id, 'only a hash of the session id is stored');
    await users.endSessionsOf(first.id);
    assert.equal(await users.session(session.id), undefined);
    store.close();
  });
});
