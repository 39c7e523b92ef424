/**
 * What a management plugin (admin-commands) may do with the account's plugin host and state.
 * `PluginApi` does not expose these yet; the Bot that the host hands to plugins as `api.bot`
 * carries them (`bot.plugins`, `bot.info()`), so they are found structurally here, in one
 * place, instead of every plugin reaching into the Bot. Prefer `api.plugins` when the host adds it.
 */

export interface PluginSummary {
  name: string;
  enabled: boolean;
  errors: number;
}

export interface HostControl {
  list(): PluginSummary[];
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  /** The account's state and since when it is online, when the bot can tell. */
  info(): { state?: string; onlineSince?: number; lastSyncAt?: number } | undefined;
}

type Fn = (...args: never[]) => unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const hasFns = (v: unknown, names: string[]): v is Record<string, Fn> => isObj(v) && names.every((n) => typeof v[n] === 'function');

/**
 * Find plugin control for a plugin's `api`, or undefined when the host offers none.
 *
 * @example
 *   const control = hostControl(api);
 *   control?.list().filter((p) => p.enabled);
 */
export function hostControl(api: { bot: unknown } & Record<string, unknown>): HostControl | undefined {
  const bot = api.bot;
  const host = hasFns(api.plugins, ['list', 'enable', 'disable'])
    ? api.plugins
    : isObj(bot) && hasFns(bot.plugins, ['list', 'enable', 'disable'])
      ? bot.plugins
      : undefined;
  if (!host) return undefined;
  const info = isObj(bot) && typeof bot.info === 'function' ? (bot.info as () => unknown).bind(bot) : undefined;
  return {
    list: () => (host.list as () => PluginSummary[])(),
    enable: (name) => (host.enable as (n: string) => Promise<void>)(name),
    disable: (name) => (host.disable as (n: string) => Promise<void>)(name),
    info: () => {
      const i = info?.();
      return isObj(i) ? (i as ReturnType<HostControl['info']>) : undefined;
    },
  };
}
