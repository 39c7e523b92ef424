/**
 * The panel's flash messages (the line a page shows after a redirect: "Saved.", "WeChat says that code
 * was wrong…") and what kind each one is. The kind is fixed here with the key, not carried in the URL:
 * the URL names only the key (`?flash=flash.saved`), so a crafted link cannot paint a failure as a success.
 *
 * @example
 *   back(ctx, '/users', 'flash.saved');              // a route picks the key…
 *   flashOf(ctx.query.flash); // { key: 'flash.saved', kind: 'success' }  …the layout draws it by kind
 */

/** success: it was done. info: nothing went wrong, nothing (more) to do yet. warning: the outcome is unknown. error: it was not done. */
export type FlashKind = 'success' | 'info' | 'warning' | 'error';

const FLASHES = {
  'flash.welcome': 'success',
  'flash.welcomeAccounts': 'success',
  'flash.started': 'success',
  'flash.stopped': 'success',
  'flash.loggedOut': 'success',
  'flash.removed': 'success',
  'flash.retrying': 'success',
  'flash.retryBusy': 'info',
  'flash.verifyCodeSent': 'info',
  'flash.verifyAccepted': 'success',
  'flash.verifyWrong': 'error',
  'flash.verifyExpired': 'error',
  'flash.badVerifyCode': 'error',
  'flash.noVerifyCode': 'error',
  // Cluster: the node running the account did not answer (nothing was done) / took it up and has not said how it went.
  'flash.holderSilent': 'error',
  'flash.holderLate': 'warning',
  'flash.saved': 'success',
  'flash.deleted': 'success',
  'flash.orderSaved': 'success',
  'flash.enabled': 'success',
  'flash.disabled': 'success',
  'flash.queued': 'success',
  'flash.accepted': 'success',
  'flash.invited': 'success',
  'flash.removedMembers': 'success',
  'flash.renamed': 'success',
  'flash.testQueued': 'success',
  'flash.redelivered': 'success',
  'flash.revoked': 'success',
} as const satisfies Record<string, FlashKind>;

/** A flash a route may set (an unknown key does not compile). */
export type FlashKey = keyof typeof FLASHES;

export interface Flash {
  key: FlashKey;
  kind: FlashKind;
}

/** The flash a page's `?flash=` names, with its kind; undefined for none or for a key the panel never sets. */
export function flashOf(value: unknown): Flash | undefined {
  if (typeof value !== 'string' || !Object.hasOwn(FLASHES, value)) return undefined;
  const key = value as FlashKey;
  return { key, kind: FLASHES[key] };
}
