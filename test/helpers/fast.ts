/** Web-transport timeouts and sync tuning for tests against a local sandbox: seconds, not minutes. */
export const FAST = {
  timeouts: { loginPoll: 3000, syncCheck: 2000, sync: 3000, other: 5000, jslogin: 3000 },
  sync: { backoffBaseMs: 50, backoffMaxMs: 400, emptySyncPauseMs: 20, watchdogSlackMs: 1000 },
};
