/**
 * Errors that cross the transport boundary. Everything the transport throws at its callers is one
 * of these, so the bot can decide between retry, give up and log out without knowing the wire.
 */

export type TransportErrorKind =
  /** The session is gone (web: 1100/1101/1102); log in again. */
  | 'logged-out'
  /** The server refused the request for frequency (web: 1205); retry later. */
  | 'rate-limited'
  /** The target cannot receive (web: 1204, 1201, unknown user). */
  | 'rejected'
  /** Network failure, timeout, 5xx or an unreadable body; retry may help. */
  | 'network'
  /** Any other non-zero answer. */
  | 'server'
  /** Login refused for good (web: newloginpage ret 1203). */
  | 'login-refused'
  /** The caller asked for something impossible (bad argument, not logged in). */
  | 'invalid'
  /**
   * Not sendable until the peer writes again (iLink: reply window closed, quota of sends per
   * user message used, no context token yet). Hold the message; do not retry into the wall.
   */
  | 'waiting-for-user'
  /** The server answered "ok" without delivering (iLink: HTTP 200 with an empty body). */
  | 'not-delivered';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    /** The server's own code (web: BaseResponse.Ret), when there was one. */
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether a later retry of the same call may succeed. */
  get retryable(): boolean {
    return this.kind === 'rate-limited' || this.kind === 'network';
  }
}

export function isTransportError(e: unknown): e is TransportError {
  return e instanceof TransportError;
}
