/**
 * Compile-time tests of the plugin surface (style.md §18): `npm test`'s typecheck compiles this file
 * and fails when a line below stops compiling or an `@ts-expect-error` is no longer an error. It
 * is never run. On the old types `ctx.match[1]` needed a `!`, and a plugin could reach
 * `api.bot.transport` and the host's `ctx.repliedBy` / `ctx.trace` / `ctx.errorSink`.
 */
import { Composer, definePlugin, z, type Context, type PluginApi } from '../../src/plugin.js';

const bot = new Composer();

// hears(RegExp): the match is a RegExpMatchArray, no `!`.
bot.hears(/^weather (\w+)$/, (ctx) => ctx.reply(ctx.match[1] ?? ''));
// hears(string): the match is the string.
bot.hears('ping', (ctx) => ctx.reply(ctx.match.toUpperCase()));
// hears([string, RegExp]): either.
bot.hears(['hi', /^hello (.+)$/], (ctx) => ctx.reply(typeof ctx.match === 'string' ? ctx.match : ctx.match[0]));
// command: the arguments, a string.
bot.command('echo', (ctx) => ctx.reply(ctx.match.trim()));
// on(type): the type narrows.
bot.on('image', (ctx) => {
  const image: 'image' = ctx.type;
  return image;
});
// Outside a matching helper, match may be unset.
bot.use((ctx) => {
  // @ts-expect-error -- possibly undefined outside hears/command
  return ctx.match.length;
});

// The host's bookkeeping is not part of a plugin's Context.
export function hostInternals(ctx: Context): void {
  // @ts-expect-error -- host-only
  ctx.repliedBy.add('x');
  // @ts-expect-error -- host-only
  ctx.trace.push({ plugin: 'x', outcome: 'ran', ms: 0 });
  // @ts-expect-error -- host-only
  ctx.errorSink = undefined;
  // @ts-expect-error -- host-only
  ctx.plugin = 'someone-else';
}

// Plugins get contact operations, not the transport.
export function narrowApi(api: PluginApi): Promise<void> {
  // @ts-expect-error -- the transport (stop, logout, serialize) is not handed to plugins
  void api.bot.transport.logout();
  return api.contacts.setRemark('@alice', 'Alice from work');
}

export const typed = definePlugin({
  name: 'typed',
  description: 'compiles',
  config: z.object({ answer: z.string().default('pong') }),
  setup(api, config) {
    const answer: string = config.answer;
    api.use(bot);
    api.on('friend-request', (r) => api.contacts.acceptFriend(r));
    // @ts-expect-error -- not a plugin event
    api.on('heartbeat', () => answer);
  },
});
