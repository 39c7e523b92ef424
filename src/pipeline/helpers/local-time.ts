/**
 * Wall-clock time in a chosen IANA time zone, for time windows and `{time}` templates. Uses Intl,
 * so it needs no timer and works with any injected clock.
 */

export interface LocalTime {
  /** 0 = Sunday … 6 = Saturday. */
  day: number;
  /** Minutes since local midnight. */
  minutes: number;
  /** `HH:MM`. */
  time: string;
  /** `YYYY-MM-DD`. */
  date: string;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Whether `tz` is a time zone Intl knows (empty = the server's own zone, always valid). */
export function isTimeZone(tz: string): boolean {
  if (tz === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Break `ms` (epoch milliseconds) into local day, minutes, time and date in `timeZone`.
 *
 * @example
 *   localTime(Date.UTC(2024, 0, 1, 8, 5), 'Asia/Shanghai'); // { day: 1, minutes: 965, time: '16:05', date: '2024-01-01' }
 */
export function localTime(ms: number, timeZone = ''): LocalTime {
  const fmt = new Intl.DateTimeFormat('en-US', {
    ...(timeZone ? { timeZone } : {}),
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return {
    day: WEEKDAYS.indexOf(parts.weekday ?? ''),
    minutes: hour * 60 + minute,
    time: `${pad(hour)}:${pad(minute)}`,
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

/** `HH:MM` → minutes since midnight; throws on anything else. */
export function parseClockTime(hhmm: string): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
  if (!m) throw new RangeError(`not a time of day (HH:MM): ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export interface TimeWindow {
  /** Days it applies to (0 = Sunday); empty = every day. */
  days?: number[] | undefined;
  /** `HH:MM`, inclusive. */
  from: string;
  /** `HH:MM`, exclusive. Earlier than `from` = the window runs past midnight. */
  to: string;
}

/**
 * Whether `at` falls inside a window. A window over midnight belongs to the day it starts on.
 *
 * @example
 *   inWindow({ from: '22:00', to: '07:00' }, localTime(clock.now(), 'Asia/Shanghai'));
 */
export function inWindow(w: TimeWindow, at: LocalTime): boolean {
  const from = parseClockTime(w.from);
  const to = parseClockTime(w.to);
  const days = w.days ?? [];
  const dayOk = (d: number): boolean => days.length === 0 || days.includes(d);
  if (from === to) return dayOk(at.day); // the whole day
  if (from < to) return dayOk(at.day) && at.minutes >= from && at.minutes < to;
  if (at.minutes >= from) return dayOk(at.day);
  return at.minutes < to && dayOk((at.day + 6) % 7);
}
