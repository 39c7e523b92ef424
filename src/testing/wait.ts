/**
 * Poll `cond` until it holds (real time); throws naming `what` after `timeoutMs`. `cond` may be async (a control-API
 * call, a database read). The time-out only bounds a hang: a test that needs it to pass waits for the wrong thing.
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Poll `read` until it gives a value (anything but undefined, null or false) and return that value; throws naming
 * `what` after `timeoutMs`, like `waitUntil`.
 */
export async function waitFor<T>(
  read: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5000,
  what = 'a value',
): Promise<T> {
  let value: T | undefined | null | false;
  await waitUntil(async () => (value = await read()) !== undefined && value !== null && value !== false, timeoutMs, what);
  return value as T;
}
