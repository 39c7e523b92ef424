/**
 * Waiting in the scale bench: on a loaded machine 1,000 logins may take minutes, so no wait has a
 * fixed budget. A wait fails only when nothing moved for `stallMs` (the count it watches did not
 * grow), or when a process it depends on died, and then says which count stood where.
 */

export interface Watch {
  /** What is awaited, for the error. */
  what: string;
  /** The count so far (polled every `pollMs`). */
  read: () => number | Promise<number>;
  target: number;
  /** Fail after this long without any growth of the count (default 180 s). */
  stallMs?: number;
  pollMs?: number;
  /** Throws (with the process's last words) when a process the wait depends on has died. */
  alive?: () => void;
}

export async function until(w: Watch): Promise<void> {
  const stallMs = w.stallMs ?? 180_000;
  let best = -Infinity;
  let movedAt = Date.now();
  for (;;) {
    w.alive?.();
    const n = await w.read();
    if (n >= w.target) return;
    if (n > best) {
      best = n;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${w.what}: stuck at ${n} of ${w.target} for ${Math.round(stallMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, w.pollMs ?? 100));
  }
}
