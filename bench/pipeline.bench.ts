/**
 * Pipeline cost per message with 10 plugins installed (9 routing plugins that do not match, then
 * echo which replies), measured two ways:
 *   1. the plugin chain alone (PluginHost.handle with a no-op send): µs/message;
 *   2. the whole bot path on an in-memory transport: message stored in SQLite (+ stats), the
 *      chain, the reply committed to the outbound queue and sent: µs/message and messages/s.
 * Run: node --import tsx bench/pipeline.bench.ts [messages]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { AccountManager } from '../src/accounts/account-manager.js';
import { Directory } from '../src/bot/directory.js';
import type { BotEvents } from '../src/bot/events.js';
import { TypedEmitter } from '../src/util/typed-emitter.js';
import type { BotHandle } from '../src/bot/types.js';
import { PluginHost, PluginRegistry, type PluginDefinition } from '../src/pipeline/index.js';
import { Composer, definePlugin } from '../src/plugin.js';
import { openStore } from '../src/store/index.js';
import { silentLogger } from '../src/logger.js';
import { systemClock } from '../src/util/clock.js';
import type { Message } from '../src/transport/model.js';
import { plugin as echo } from '../plugins/echo/index.js';
import { contact, FakeTransport } from '../src/testing/fake-transport.js';
import { fakeBotHandle } from '../test/helpers/fake-bot-handle.js';

const N = Number(process.argv[2] ?? 20_000);

/** CPU time of this process since `start` (user + system, every thread), in µs: less disturbed by other load than wall time. */
function cpuMicros(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

/** Nine plugins in the styles plugins are written in; none matches the benchmark's texts. */
function routingPlugins(): PluginDefinition[] {
  const make = (name: string, build: (c: Composer) => void): PluginDefinition =>
    definePlugin({
      name,
      description: name,
      config: z.object({ enabled: z.boolean().default(true) }),
      setup(api) {
        const c = new Composer();
        build(c);
        api.use(c);
      },
    });
  return [
    make('p-hears', (c) => c.hears('ping', (ctx) => ctx.reply('pong'))),
    make('p-regex', (c) => c.hears(/^weather (\w+)$/i, (ctx) => ctx.reply('sunny'))),
    make('p-command', (c) => c.command('help', (ctx) => ctx.reply('help'))),
    make('p-command2', (c) => c.command(['stats', 'status'], (ctx) => ctx.reply('ok'))),
    make('p-group', (c) => c.group('@@nowhere', (ctx) => ctx.reply('group'))),
    make('p-mention', (c) => c.mention((ctx) => ctx.reply('yes?'))),
    make('p-image', (c) => c.on(['image', 'video'], (ctx) => ctx.reply('nice picture'))),
    make('p-filter', (c) =>
      c.filter(
        (ctx) => ctx.text.length > 500,
        (ctx) => ctx.reply('too long'),
      ),
    ),
    definePlugin({
      name: 'p-state',
      description: 'writes to ctx.state and passes on',
      config: z.object({}),
      setup(api) {
        api.use(async (ctx, next) => {
          ctx.state.seen = ((ctx.state.seen as number | undefined) ?? 0) + 1;
          await next();
        });
      },
    }),
  ];
}

const plugins = [...routingPlugins(), echo];
const names = plugins.map((p) => p.name);

function message(i: number): Message {
  return {
    id: String(10_000_000 + i),
    type: 'text',
    chatId: '@alice',
    senderId: '@alice',
    senderName: 'Alice',
    toId: '@self',
    isSelf: false,
    text: `hello number ${i}`,
    mentionsSelf: false,
    mentions: [],
    createdAt: Date.now(),
  };
}

async function chainOnly(): Promise<{ us: number; cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-bench-'));
  const store = openStore({ dataDir: dir });
  const directory = new Directory();
  directory.load([contact('@alice', 'Alice')], []);
  const emitter = new TypedEmitter<BotEvents>();
  let sends = 0;
  const bot: BotHandle & { on: TypedEmitter<BotEvents>['on'] } = {
    ...fakeBotHandle({
      id: 'bench',
      directory,
      send: (_to, content) => {
        sends++;
        return Promise.resolve({ id: 'x', account: 'bench', chatId: '@alice', type: content.type, status: 'queued', attempts: 0, createdAt: 0 });
      },
    }),
    on: (e, l) => emitter.on(e, l),
  };
  const host = new PluginHost({
    account: 'bench',
    bot,
    registry: new PluginRegistry(plugins),
    settings: store.pluginSettings,
    errors: store.pluginErrors,
    kv: store.kv,
    log: silentLogger(),
    clock: systemClock,
    defaults: names,
  });
  await host.init();
  for (let i = 0; i < 2000; i++) await host.handle(message(i)); // warm up
  sends = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Each message is made as it arrives, as on a real bot. With a prebuilt array of N messages the figure was
  // bimodal (about 10 or 22 µs, on old and new commits alike) by the collector's state when the loop began: a
  // full collection just before it made every run slow. That measured the heap, not the chain.
  for (let i = 0; i < N; i++) await host.handle(message(i));
  const us = ((performance.now() - t0) * 1000) / N;
  const cpu = cpuMicros(c0) / N;
  if (sends !== N) throw new Error(`expected ${N} echo replies, got ${sends}`);
  await host.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { us, cpu };
}

async function wholeBot(): Promise<{ us: number; cpu: number; perSec: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'weiroto-bench-'));
  const store = openStore({ dataDir: dir });
  const fake = new FakeTransport({ contacts: [contact('@alice', 'Alice')] });
  const manager = new AccountManager({
    store,
    log: silentLogger(),
    createTransport: () => fake,
    pluginRegistry: new PluginRegistry(plugins),
    sendPacing: 'off',
    botPlugins: names,
  });
  const bot = await manager.add('bench');
  while (bot.info().state !== 'online') await new Promise((r) => setTimeout(r, 1));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) fake.receive({ from: '@alice', text: `hello number ${i}` });
  await manager.runtime(bot.id)!.idle();
  await bot.queue.idle();
  const ms = performance.now() - t0;
  const cpu = cpuMicros(c0) / N;
  if (fake.sent.length !== N) throw new Error(`expected ${N} sends, got ${fake.sent.length}`);
  await manager.stopAll();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { us: (ms * 1000) / N, cpu, perSec: Math.round(N / (ms / 1000)) };
}

const part = process.env.BENCH_PART;
const chain = part === 'whole' ? { us: NaN, cpu: NaN } : await chainOnly();
const whole = part === 'chain' ? { us: NaN, cpu: NaN, perSec: NaN } : await wholeBot();
console.log(`plugins installed: ${plugins.length} (${names.join(', ')})`);
console.log(`pipeline (10 plugins, chain only): ${chain.us.toFixed(2)} µs/message over ${N} messages (CPU ${chain.cpu.toFixed(2)} µs/message)`);
console.log(
  `whole bot path (store + stats + 10 plugins + queued reply + send): ${whole.us.toFixed(2)} µs/message, ${whole.perSec} messages/s (CPU ${whole.cpu.toFixed(2)} µs/message)`,
);
