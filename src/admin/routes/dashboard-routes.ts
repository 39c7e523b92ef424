/**
 * The dashboard of one account: online since, session age, last sync and lag, outbox depth, today's
 * counts, and 7/30-day charts, all from the stored statistics (days without activity are zero, never
 * guessed). Chart data travels in a data attribute; the chart script is a static file.
 */
import { dayOf } from '../../util/day.js';
import type { RouteDef } from '../router.js';
import { botOf, page, type Services, pluginsOf } from '../services.js';
import { DEFAULT_MAX_HOLD_MS } from '../../bot/outbound-queue.js';

const DAY = 86_400_000;

export interface Series {
  days: string[];
  received: number[];
  replied: number[];
  newFriends: number[];
  activeChats: number[];
}

/** Statistics of the last `n` days (today included), zero-filled. */
export async function statsSeries(s: Services, account: string, n: number): Promise<Series> {
  const now = s.clock.now();
  const days = Array.from({ length: n }, (_, i) => dayOf(now - (n - 1 - i) * DAY));
  const rows = new Map((await s.deps.store.stats.range(account, days[0]!, days[n - 1]!)).map((r) => [r.day, r]));
  const pick = (k: 'received' | 'replied' | 'newFriends' | 'activeChats'): number[] => days.map((d) => rows.get(d)?.[k] ?? 0);
  return { days, received: pick('received'), replied: pick('replied'), newFriends: pick('newFriends'), activeChats: pick('activeChats') };
}

export function dashboardRoutes(s: Services): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/accounts/:id',
      access: 'viewer',
      handler: async (ctx) => {
        const bot = botOf(s, ctx);
        const info = bot.info();
        const now = s.clock.now();
        const month = await statsSeries(s, bot.id, 30);
        const { outbound, pluginErrors } = s.deps.store;
        const week: Series = {
          days: month.days.slice(-7),
          received: month.received.slice(-7),
          replied: month.replied.slice(-7),
          newFriends: month.newFriends.slice(-7),
          activeChats: month.activeChats.slice(-7),
        };
        const last = month.days.length - 1;
        const today = {
          received: month.received[last] ?? 0,
          replied: month.replied[last] ?? 0,
          newFriends: month.newFriends[last] ?? 0,
          activeChats: month.activeChats[last] ?? 0,
        };
        page(s, ctx, 'dashboard', {
          title: info.name,
          info,
          now,
          today,
          week,
          month,
          outboxDepth: (await outbound.pendingByAccount()).find((p) => p.account === bot.id)?.count ?? 0,
          failedToday: await outbound.countFailedSince(bot.id, now - (now % DAY)),
          errors: await pluginErrors.list(bot.id, { limit: 10 }),
          plugins: pluginsOf(s, bot).list(),
          // What waits for the user (iLink reply window or quota), with why; it fails after OUTBOX_HOLD_HOURS.
          held: await outbound.list(bot.id, { status: 'waiting-for-user', limit: 100 }),
          holdHours: Math.round((s.deps.config.outboxHoldMs ?? DEFAULT_MAX_HOLD_MS) / 3_600_000),
        });
      },
    },
  ];
}
