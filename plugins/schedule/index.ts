/**
 * schedule: send messages to chats on cron expressions or once at a time. Each job runs in its own
 * loop on the injected clock and stops when the plugin is switched off. The scheduled time of the
 * last send is kept in the plugin store, and each send carries an idempotency key made of the job
 * and that time, so a restart (even one right after queueing) never sends the same occurrence twice.
 */
import { chatTarget, definePlugin, isTimeZone, localTime, phraseIssue, say, z } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { jobSchema, nextFire, occurrences, type Job } from './jobs.js';
import { form } from './form.js';
import { SCHEDULE_PHRASES } from './phrases.js';

export { jobSchema, nextFire, occurrences } from './jobs.js';

export const configSchema = z.object({
  jobs: z
    .array(jobSchema)
    .default([])
    .superRefine((jobs, ctx) => {
      const seen = new Set<string>();
      jobs.forEach((j, i) => {
        if (seen.has(j.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], ...phraseIssue(SCHEDULE_PHRASES, 'name-twice', { name: j.name }) });
        seen.add(j.name);
      });
    })
    .describe('Scheduled messages'),
  timezone: z
    .string()
    .default('')
    .refine(isTimeZone, phraseIssue(SCHEDULE_PHRASES, 'unknown-zone'))
    .describe('Default time zone for jobs (IANA, e.g. Asia/Shanghai; empty = the server’s)'),
  catchUpMinutes: z.number().min(0).default(10).describe('After a restart, a send missed by at most this long still goes out (once)'),
});

/** Longest single sleep: setTimeout cannot wait more than ~24 days, and clocks drift. */
const MAX_SLEEP = 3600_000;

export const plugin = definePlugin({
  ...manifest,
  phrases: SCHEDULE_PHRASES,
  config: configSchema,
  form,
  check(config, { bot }) {
    const d = bot.directory;
    // An account that never logged in has no directory yet: its chats cannot be checked.
    if (d.contacts().length === 0 && d.rooms().length === 0) return [];
    return config.jobs.flatMap((job, i) =>
      job.to
        .map((entry, k) => ({ entry, k }))
        .filter(({ entry }) => !chatTarget(d, entry))
        .map(({ entry, k }) => ({ path: `jobs.${i}.to.${k}`, ...say(SCHEDULE_PHRASES, 'no-chat', { entry }) })),
    );
  },
  setup(api, config) {
    const stop = new AbortController();
    // After a restart the plugin is set up before the account is online: a send missed while down
    // (sent "late") waits for the directory, or its chats would not be found and the send skipped.
    const online =
      api.bot.status().state === 'online'
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            api.on('ready', () => resolve());
            stop.signal.addEventListener('abort', () => resolve());
          });

    async function fire(job: Job, at: number): Promise<void> {
      const t = localTime(at, job.timezone || config.timezone);
      const text = job.text.replace(/\{(date|time)\}/g, (_, k: 'date' | 'time') => t[k]);
      const missing: string[] = [];
      for (const entry of job.to) {
        const to = chatTarget(api.bot.directory, entry);
        if (!to) {
          missing.push(entry);
          continue;
        }
        await api.send(to, text, { idempotencyKey: `schedule:${job.name}:${at}:${entry}` });
      }
      await api.store.set(`fired:${job.name}`, at);
      const sent = job.to.length - missing.length;
      if (missing.length) api.log.warn({ job: job.name, missing, sent }, 'scheduled chats not found (left since the job was saved?); skipped');
      if (sent) api.log.info({ job: job.name, at: new Date(at).toISOString(), chats: sent }, 'scheduled message sent');
    }

    async function loop(job: Job): Promise<void> {
      const occ = occurrences(job, config.timezone);
      try {
        let next = nextFire(occ, await api.store.get<number>(`fired:${job.name}`), api.clock.now(), config.catchUpMinutes * 60_000);
        while (next !== undefined) {
          // Sleep in slices and re-check: the clock may move differently than planned.
          for (let now = api.clock.now(); now < next; now = api.clock.now()) await api.clock.sleep(Math.min(next - now, MAX_SLEEP), stop.signal);
          await online;
          if (stop.signal.aborted) return;
          try {
            await fire(job, next);
          } catch (e) {
            // Mark it fired anyway: a retry storm is worse than one missed message; the error is logged.
            await api.store.set(`fired:${job.name}`, next);
            api.log.error({ err: e, job: job.name }, 'scheduled send failed');
          }
          next = nextFire(occ, next, api.clock.now(), config.catchUpMinutes * 60_000);
        }
      } catch (e) {
        if (!stop.signal.aborted) api.log.error({ err: e, job: job.name }, 'schedule loop stopped');
      } finally {
        occ.stop();
      }
    }

    const loops = config.jobs.filter((j) => j.enabled).map((j) => loop(j));
    api.onDispose(async () => {
      stop.abort();
      await Promise.all(loops);
    });
  },
});
