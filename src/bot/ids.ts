/**
 * Local ids for outbound messages: UUID version 7 (RFC 9562), time-ordered, so that inserts land
 * at the end of the id index instead of on random pages (fewer pages written per send).
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the system in one call per 256 ids rather than one per id. */
const POOL = Buffer.alloc(16 * 256);
let poolOffset = POOL.length;

/**
 * A new UUIDv7 string.
 *
 * @example
 *   uuidv7(); // '01933b6e-2f4a-7c3d-9e1f-0a1b2c3d4e5f'
 */
export function uuidv7(now: number = Date.now()): string {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const b = POOL.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
