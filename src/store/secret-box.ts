/**
 * Encryption for session secrets and cookies at rest: AES-256-GCM with a 32-byte key, taken from
 * SECRET_KEY or generated once into DATA_DIR/secret.key (mode 0600). Sealed values are
 * `v1:` + base64(iv ‖ tag ‖ ciphertext); a wrong key or tampered data fails loudly, never silently.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors.js';

const PREFIX = 'v1:';

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new StoreError(`The secret key must be 32 bytes (got ${key.length}).`);
    this.key = key;
  }

  /**
   * @example
   *   const box = new SecretBox(randomBytes(32));
   *   box.open(box.seal('secret')) === 'secret';
   */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Decrypt; throws StoreError when the key is wrong or the data was changed. */
  open(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new StoreError('Sealed value has an unknown format (expected v1:).');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    if (raw.length < 28) throw new StoreError('Sealed value is truncated.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new StoreError('Cannot decrypt a stored secret: wrong SECRET_KEY or the data was tampered with.');
    }
  }
}

/** Parse SECRET_KEY (64 hex chars or base64 of 32 bytes). */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new StoreError('SECRET_KEY must be 64 hex characters or 32 bytes in base64.');
  return key;
}

/**
 * The key from config, or DATA_DIR/secret.key, generated with mode 0600 on first run.
 *
 * @example
 *   const box = new SecretBox(loadOrCreateSecretKey(config.dataDir, config.secretKey));
 */
export function loadOrCreateSecretKey(dataDir: string, configured?: string): Buffer {
  if (configured) return parseSecretKey(configured);
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new StoreError(`Cannot read ${path}: ${(e as Error).message}.`);
    }
    return parseSecretKey(text);
  }
  const key = randomBytes(32);
  try {
    writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (e) {
    throw new StoreError(`Cannot create ${path}: ${(e as Error).message}.`);
  }
  return key;
}
