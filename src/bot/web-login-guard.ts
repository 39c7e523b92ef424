/**
 * Web-protocol honesty (issue 15 point 8). Since January 2025 WeChat ends most web sessions within
 * seconds of login (1100/1101/1102) and often bans the account for a while after; new accounts have
 * been refused web login for years (1203). Logging in again and again makes a ban more likely, so
 * when a web session ends within a minute of login twice in a row, or the login is refused with
 * 1203, the re-login ladder stops for that account and the operator is told why and what helps.
 */
import type { LogoutReason } from '../transport/transport.js';

/** A session that ends sooner than this after login counts as "ended at once". */
export const EARLY_END_MS = 60_000;
/** Early ends in a row before the ladder stops. */
export const EARLY_ENDS_TO_STOP = 2;
/** The `reason` of the `account.logout` event raised when the ladder stops. */
export const WEB_LOGIN_BLOCKED = 'web-login-blocked';

const SESSION_END_CODES = new Set([1100, 1101, 1102]);

export interface LogoutNotice {
  reason: LogoutReason;
  code?: number;
  message?: string;
}

/** What to tell the operator, in the panel and the log. */
export function blockedExplanation(code: number, early: boolean): string {
  const what = early
    ? `WeChat ended this account's web session within a minute of login twice in a row (code ${code}).`
    : `WeChat refused this account's web login (code 1203).`;
  return (
    `${what} WeChat has been ending most web-protocol sessions right after login since January 2025 and refuses web login to many accounts; ` +
    'logging in again and again makes a temporary ban more likely, so weiroto stopped trying for this account. ' +
    'What helps: set WECHAT_DESKTOP=true (desktop/UOS login) and start the account again, or add an iLink account (WeChat’s official bot API), which WeChat does not ban.'
  );
}

/** Per account: when its web sessions came online and how many ended at once in a row. */
export class WebLoginGuard {
  private readonly accounts = new Map<string, { onlineAt?: number; earlyEnds: number }>();

  constructor(private readonly now: () => number) {}

  /** The account's session came online. */
  online(account: string): void {
    const a = this.accounts.get(account) ?? { earlyEnds: 0 };
    a.onlineAt = this.now();
    this.accounts.set(account, a);
  }

  /** A logout of a web session: the explanation when the ladder must stop, else undefined. */
  verdict(account: string, notice: LogoutNotice): string | undefined {
    const a = this.accounts.get(account) ?? { earlyEnds: 0 };
    this.accounts.set(account, a);
    if (notice.code === 1203) return blockedExplanation(1203, false);
    if (notice.code === undefined || !SESSION_END_CODES.has(notice.code) || a.onlineAt === undefined) return undefined;
    const lived = this.now() - a.onlineAt;
    delete a.onlineAt;
    a.earlyEnds = lived < EARLY_END_MS ? a.earlyEnds + 1 : 0;
    if (a.earlyEnds < EARLY_ENDS_TO_STOP) return undefined;
    a.earlyEnds = 0;
    return blockedExplanation(notice.code, true);
  }

  forget(account: string): void {
    this.accounts.delete(account);
  }
}
