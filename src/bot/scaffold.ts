/**
 * `weiroto plugin new NAME`: writes a plugin and its conversation test from a template, so a plugin
 * author starts from something that runs and passes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ScaffoldResult {
  files: string[];
}

/**
 * Create `plugins/<name>/index.ts` and `test/plugins/<name>.test.ts` under `dir` (the project
 * root). Refuses to overwrite existing files and to accept a name that is not kebab-case.
 *
 * @example
 *   scaffoldPlugin('greeter', process.cwd()); // → { files: ['plugins/greeter/index.ts', 'test/plugins/greeter.test.ts'] }
 */
export function scaffoldPlugin(name: string, dir: string): ScaffoldResult {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new Error(`Plugin name "${name}" must be kebab-case: lowercase letters, digits and dashes (e.g. "greeter").`);
  }
  const pluginFile = join(dir, 'plugins', name, 'index.ts');
  const testFile = join(dir, 'test', 'plugins', `${name}.test.ts`);
  for (const f of [pluginFile, testFile]) {
    if (existsSync(f)) throw new Error(`${relative(dir, f)} already exists; choose another name or remove it first.`);
  }
  mkdirSync(join(dir, 'plugins', name), { recursive: true });
  mkdirSync(join(dir, 'test', 'plugins'), { recursive: true });
  writeFileSync(pluginFile, pluginTemplate(name));
  writeFileSync(testFile, testTemplate(name));
  return { files: [relative(dir, pluginFile), relative(dir, testFile)] };
}

function pluginTemplate(name: string): string {
  return `/**
 * ${name}: answers "/${name}" with a greeting and counts how often it was asked (per account).
 */
import { Composer, definePlugin, z } from '../../src/plugin.js';

export const plugin = definePlugin({
  name: '${name}',
  description: 'Answers /${name} with a greeting.',
  config: z.object({
    greeting: z.string().min(1).default('Hello').describe('What to answer'),
  }),
  // How the settings page shows it, in English and Chinese (docs/plugins.md, "Settings form").
  form: {
    title: { en: '${name}', zh: '${name}' },
    fields: { greeting: { label: { en: 'Greeting', zh: '问候语' }, help: { en: 'What to answer', zh: '回答的内容' }, widget: 'text' } },
  },
  setup(api, config) {
    const bot = new Composer();
    bot.command('${name}', async (ctx) => {
      const count = ((await api.store.get<number>('count')) ?? 0) + 1;
      await api.store.set('count', count);
      await ctx.reply(\`\${config.greeting}, \${ctx.senderName}! (#\${count})\`);
    });
    api.use(bot);
  },
});
`;
}

function testTemplate(name: string): string {
  return `import { describe, it, before, after } from 'node:test';
import { createConversation, type Conversation } from '../../src/testing/index.js';
import { plugin } from '../../plugins/${name}/index.js';

describe('plugin ${name}', () => {
  let chat: Conversation;
  before(async () => {
    chat = await createConversation({ plugins: [plugin], enable: ['${name}'] });
  });
  after(() => chat.close());

  it('answers /${name}', async () => {
    await chat.shouldReply('/${name}', 'Hello, Alice! (#1)');
    await chat.shouldReply('/${name}', 'Hello, Alice! (#2)');
  });

  it('stays quiet otherwise', async () => {
    await chat.shouldNotReply('hello');
  });

  it('uses its config', async () => {
    await chat.configure('${name}', { greeting: 'Hi' });
    await chat.shouldReply('/${name}', 'Hi, Alice! (#3)');
  });
});
`;
}
