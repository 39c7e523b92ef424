import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, loadOrCreateSecretKey, parseSecretKey, StoreError } from '../../src/store/index.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips text, including non-ASCII', () => {
    const plain = JSON.stringify({ skey: '@crypt_1234', cookies: ['wxsid=abc'], nick: '小明😀' });
    const sealed = box.seal(plain);
    assert.ok(sealed.startsWith('v1:'));
    assert.ok(!sealed.includes('crypt_1234'));
    assert.equal(box.open(sealed), plain);
  });

  it('uses a fresh IV every time', () => {
    assert.notEqual(box.seal('same'), box.seal('same'));
  });

  it('refuses a wrong key', () => {
    const other = new SecretBox(randomBytes(32));
    assert.throws(() => other.open(box.seal('x')), /wrong SECRET_KEY or the data was tampered/);
  });

  it('refuses tampered data', () => {
    const sealed = box.seal('hello world');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => box.open('v1:' + raw.toString('base64')), StoreError);
    assert.throws(() => box.open('v2:abc'), /unknown format/);
    assert.throws(() => box.open('v1:AAAA'), /truncated/);
  });

  it('rejects keys that are not 32 bytes', () => {
    assert.throws(() => new SecretBox(randomBytes(16)), /32 bytes/);
    assert.throws(() => parseSecretKey('abcd'), /64 hex characters/);
  });
});

describe('loadOrCreateSecretKey(dataDir)', () => {
  it('generates DATA_DIR/secret.key with mode 0600 once, then reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-key-'));
    const k1 = loadOrCreateSecretKey(dir);
    const st = statSync(join(dir, 'secret.key'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), k1.toString('hex'));
    assert.deepEqual(loadOrCreateSecretKey(dir), k1);
  });

  it('prefers SECRET_KEY when configured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weiroto-key-'));
    const hex = 'cd'.repeat(32);
    assert.equal(loadOrCreateSecretKey(dir, hex).toString('hex'), hex);
  });
});
