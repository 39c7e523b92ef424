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
