/**
 * Client-generated ids (§1.2): DeviceID per request, and ClientMsgId/LocalID that stay unique even
 * for many sends in the same millisecond (official format: 13-digit ms + 4 digits; the 4 digits
 * come from a per-session counter here instead of random so two sends can never collide).
 */
import type { Clock } from '../util/clock.js';

/** `e` + 15 decimal digits, fresh for every request like the official client. */
export function newDeviceId(clock: Clock): string {
  // One draw for all 15 (10^15 < 2^53): every idle account makes one per long poll, and a string per digit was garbage.
  return 'e' + String(Math.floor(clock.random() * 1e15)).padStart(15, '0');
}

/** A per-session generator of 17-digit ClientMsgIds, strictly increasing. */
export class ClientMsgIds {
  private lastMs = 0;
  private counter = 0;

  constructor(private readonly clock: Clock) {}

  next(): string {
    let ms = this.clock.now();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter++;
      if (this.counter > 9999) {
        // More than 10,000 ids in one millisecond: borrow the next millisecond.
        ms = this.lastMs + 1;
        this.counter = 0;
      }
    } else {
      this.counter = Math.floor(this.clock.random() * 1000);
    }
    this.lastMs = ms;
    return `${ms}${this.counter.toString().padStart(4, '0')}`;
  }
}
