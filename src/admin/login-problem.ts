/**
 * Plain words for what went wrong with an account's login and what happened to it since: the
 * explanation of a network failure (DNS, proxy, certificate, refused, timeout) with the next
 * automatic attempt, and one line per timeline entry. Both the pages and the live updates (SSE)
 * use these, so a change arriving live reads exactly like the page after a reload.
 */
import type { BotInfo } from '../bot/types.js';
import type { TimelineEntry } from '../accounts/account-timeline.js';
import type { Translate } from './i18n.js';
import { formatters } from './services.js';

export interface LoginProblemView {
  /** 'dns' | 'proxy' | 'tls' | 'refused' | 'timeout' | 'network' | 'other'. */
  kind: string;
  title: string;
  text: string;
  /** "Tries again by itself at …", when the ladder waits. */
  next?: string;
  /** WeChat's or the system's own words (for the curious; shown small). */
  detail?: string;
}

/** The explanation for an account whose login failed, or undefined when nothing is wrong. */
export function loginProblem(info: Pick<BotInfo, 'state' | 'detail' | 'loginRetry'>, t: Translate, locale: string): LoginProblemView | undefined {
  const retry = info.loginRetry;
  if (!retry && info.state !== 'failed') return undefined;
  const problem = retry?.problem;
  const kind = problem?.kind ?? 'other';
  const host = problem?.host ?? t('problem.theServer');
  return {
    kind,
    title: t(`problem.title.${kind}`),
    text: t(`problem.text.${kind}`, { host }),
    ...(retry && { next: t('problem.next', { time: formatters(locale).time(retry.at), n: retry.attempt }) }),
    ...(info.detail && { detail: info.detail }),
  };
}

/** One timeline entry as a line of text in the user's language. */
export function timelineText(e: TimelineEntry, t: Translate): string {
  const secs = (ms: number): string => t('timeline.seconds', { n: Math.max(1, Math.round(ms / 1000)) });
  switch (e.kind) {
    case 'online':
      return e.self ? t('timeline.onlineAs', { self: e.self }) : t('timeline.online');
    case 'waiting-scan':
      return t('timeline.waiting-scan');
    case 'logout': {
      const known = t(`timeline.reason.${e.reason}`);
      const reason = known.startsWith('timeline.reason.') ? e.reason : known;
      if (e.code === undefined) return t('timeline.logout', { reason });
      const said = t(`timeline.code.${e.code}`);
      const meaning = said.startsWith('timeline.code.') ? (e.meaning ?? e.message ?? '') : said;
      return t('timeline.logoutCode', { reason, code: e.code, meaning });
    }
    case 'login-failed': {
      const what = e.problem ? t(`problem.title.${e.problem}`) : e.message;
      const line = t('timeline.login-failed', { n: e.attempt, what });
      return e.retryInMs !== undefined ? `${line} ${t('timeline.retryIn', { in: secs(e.retryInMs) })}` : line;
    }
    case 'relogin':
      return t('timeline.relogin', { in: secs(e.delayMs) });
    case 'retry-now':
      return t('timeline.retry-now');
    case 'started':
      return t('timeline.started');
    case 'stopped':
      return t('timeline.stopped');
    case 'ladder-stopped':
      return t('timeline.ladder-stopped');
  }
}
