/**
 * admin-commands: chat commands for the account's owners — #help, #status, #plugins,
 * #enable NAME, #disable NAME, #pause, #resume. Put it first in the plugin order: while paused it
 * holds back every message from the plugins after it (events such as friend requests still run).
 */
import { definePlugin, personMatches, z, type Context } from '../../src/plugin.js';
import { manifest } from './manifest.js';
import { form } from './form.js';

export const configSchema = z.object({
  owners: z.array(z.string()).default([]).describe('Who may give commands: contact ids, stable ids (wxid_…), names or remarks'),
  selfIsOwner: z.boolean().default(true).describe('Commands this account types itself (e.g. in File Transfer on the phone) count as the owner’s'),
  inGroups: z.boolean().default(false).describe('Also accept commands in group chats'),
});

const HELP = [
  '#help: this list',
  '#status: account and plugin status',
  '#plugins: plugins on and off',
  '#enable NAME / #disable NAME: switch a plugin',
  '#pause / #resume: stop or restart answering',
].join('\n');

const ago = (ms: number): string => {
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min` : m < 2880 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 1440)} days`;
};

export const plugin = definePlugin({
  ...manifest,
  config: configSchema,
  form,
  setup(api, config) {
    const paused = async (): Promise<boolean> => (await api.store.get<boolean>('paused')) === true;

    const isOwner = (ctx: Context): boolean => {
      if (ctx.isSelf) return config.selfIsOwner;
      const member = ctx.room?.members.find((m) => m.id === ctx.message.senderId);
      return personMatches(config.owners, {
        id: ctx.message.senderId,
        contact: ctx.sender,
        member,
        name: ctx.message.senderName,
      });
    };

    async function run(ctx: Context, cmd: string, arg: string): Promise<boolean> {
      const say = (t: string): Promise<unknown> => ctx.reply(t);
      const plugins = api.plugins.list();
      const known = (n: string): boolean => plugins.some((p) => p.name === n);
      switch (cmd) {
        case 'help':
          await say(HELP);
          return true;
        case 'status': {
          const info = api.bot.status();
          const d = api.bot.directory;
          const on = plugins.filter((p) => p.enabled).map((p) => p.name);
          await say(
            [
              `Account: ${api.bot.self?.name ?? api.account}${info.state ? ` (${info.state})` : ''}`,
              info.onlineSince ? `Online for ${ago(api.clock.now() - info.onlineSince)}` : '',
              `Contacts: ${d.contacts().length}, rooms: ${d.rooms().length}`,
              `Plugins on: ${on.join(', ') || 'none'}`,
              `Answering: ${(await paused()) ? 'paused' : 'yes'}`,
            ]
              .filter(Boolean)
              .join('\n'),
          );
          return true;
        }
        case 'plugins':
          await say(plugins.map((p) => `${p.enabled ? 'on ' : 'off'} ${p.name}${p.errors ? ` (${p.errors} errors)` : ''}`).join('\n'));
          return true;
        case 'enable':
        case 'disable': {
          if (!arg || !known(arg)) await say(`No plugin named "${arg}". Try #plugins.`);
          else if (cmd === 'disable' && arg === api.name) await say('I will not switch myself off; use the panel.');
          else {
            await (cmd === 'enable' ? api.plugins.enable(arg) : api.plugins.disable(arg));
            await say(`${arg} is ${cmd === 'enable' ? 'on' : 'off'}.`);
          }
          return true;
        }
        case 'pause':
          await api.store.set('paused', true);
          await say('Paused: I will not answer until #resume.');
          return true;
        case 'resume':
          await api.store.delete('paused');
          await say('Resumed.');
          return true;
        default:
          return false;
      }
    }

    api.use(
      async (ctx, next) => {
        const owner = ctx.type === 'text' && isOwner(ctx) && (config.inGroups || !ctx.isGroup);
        const m = owner ? /^#([a-z]+)(?:\s+(\S.*))?$/i.exec(ctx.text.trim()) : null;
        if (m && (await run(ctx, m[1]!.toLowerCase(), (m[2] ?? '').trim()))) return;
        if (ctx.isSelf || (await paused())) return; // paused: nothing after us sees it; own messages stop here
        return next();
      },
      { self: config.selfIsOwner },
    );
  },
});
