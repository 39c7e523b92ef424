/**
 * Schedule jobs: the schema and the pure timing rules. A job fires on a cron expression or once
 * at a time (croner computes both, in the job's time zone). What already fired is remembered by
 * its scheduled time, so a restart neither repeats a send nor floods missed ones.
 */
import { Cron } from 'croner';
import { isTimeZone, phraseIssue, z } from '../../src/plugin.js';
import { SCHEDULE_PHRASES } from './phrases.js';

const validCron = (p: string): boolean => {
  try {
    new Cron(p, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
};

export const jobSchema = z
  .object({
    name: z.string().min(1, 'a job needs a name').describe('Unique; also the key that remembers what already fired'),
    enabled: z.boolean().default(true),
    to: z.array(z.string().min(1)).min(1, 'a job needs at least one chat').describe('Room topics, contact names or ids'),
    text: z.string().min(1, 'a job needs a text').describe('The message ({date} and {time} are filled in)'),
    cron: z.string().default('').describe('Cron expression, e.g. "0 9 * * 1-5" (9:00 on weekdays); leave empty for a one-off'),
    at: z.string().default('').describe('One-off time, e.g. 2025-05-01T09:00 (in the time zone); leave empty for cron'),
    timezone: z.string().default('').refine(isTimeZone, phraseIssue(SCHEDULE_PHRASES, 'unknown-zone-hint')).describe('IANA time zone (empty = the plugin’s)'),
  })
  .superRefine((j, ctx) => {
    if (!j.cron && !j.at) ctx.addIssue({ code: 'custom', path: ['cron'], ...phraseIssue(SCHEDULE_PHRASES, 'needs-time') });
    if (j.cron && j.at) ctx.addIssue({ code: 'custom', path: ['at'], ...phraseIssue(SCHEDULE_PHRASES, 'cron-or-at') });
    if (j.cron && !validCron(j.cron)) ctx.addIssue({ code: 'custom', path: ['cron'], ...phraseIssue(SCHEDULE_PHRASES, 'bad-cron', { cron: j.cron }) });
    if (j.at && !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)?$/.test(j.at))
      ctx.addIssue({
        code: 'custom',
        path: ['at'],
        ...phraseIssue(SCHEDULE_PHRASES, 'bad-at'),
      });
  });

export type Job = z.infer<typeof jobSchema>;

/** A job's occurrences: `after(ms)` is the first strictly after `ms`, or undefined when none. */
export interface Occurrences {
  after(ms: number): number | undefined;
  stop(): void;
}

export function occurrences(job: Pick<Job, 'cron' | 'at' | 'timezone'>, defaultZone: string): Occurrences {
  const zone = job.timezone || defaultZone;
  const cron = new Cron(job.cron || job.at, { paused: true, ...(zone ? { timezone: zone } : {}) });
  return {
    after: (ms) => cron.nextRun(new Date(ms))?.getTime() ?? undefined,
    stop: () => cron.stop(),
  };
}

/**
 * The next time to fire given when the job last fired (its scheduled time) and now. A missed
 * occurrence within `catchUpMs` fires once, late (only the latest of several); older ones are
 * skipped. Never returns an occurrence at or before `lastFired`.
 *
 * @example
 *   nextFire(occ, store.get('fired:daily'), clock.now(), 10 * 60_000);
 */
export function nextFire(occ: Occurrences, lastFired: number | undefined, now: number, catchUpMs: number): number | undefined {
  const from = lastFired === undefined ? now : Math.max(lastFired, now - catchUpMs);
  let next = occ.after(from);
  if (next === undefined || next > now) return next;
  // Behind: jump to the latest occurrence that is already due, so a backlog fires once.
  for (let n = occ.after(next); n !== undefined && n <= now; n = occ.after(n)) next = n;
  return next;
}
