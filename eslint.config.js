// Lint rules: typescript-eslint's recommended set, plus the two habits the style guide insists on:
// no `any` outside the raw wire types, and no floating promises in long-lived loops.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layer fences (docs/architecture.md draws them): accounts → pipeline → bot → transport ← protocol,
// with ilink beside protocol; the store is closed (only src/store/index.ts is imported, and only the
// store opens SQLite); plugins see the plugin API (src/plugin.ts) and nothing else of src/; the test
// kit (src/testing) sits on top and nothing else in src/ imports it. A wrong import fails
// `npm test`. Names are relative folders, matched wherever they are reached from (`../bot/…`,
// `../../bot/…`). `types` lists layers whose types (only) may be imported: `import type` is erased
// at build time, so it adds no run-time dependency.
const LAYERS = [
  'transport',
  'protocol',
  'ilink',
  'bot',
  'pipeline',
  'accounts',
  'cluster',
  'store',
  'webhook',
  'api',
  'admin',
  'compat',
  'sandbox',
  'http',
  'util',
  'testing',
];
const layer = (name) => `^(\\.\\./)+${name}/`;
const fence = (area, { forbid = [], types = [] }) => ({
  files: [`src/${area}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: area === 'store' ? [] : [{ name: 'better-sqlite3', message: 'Only src/store opens SQLite; add a repository method instead.' }],
        patterns: [
          ...forbid.map((name) => ({ regex: layer(name), message: `src/${area} must not import src/${name} (see docs/architecture.md).` })),
          ...types.map((name) => ({
            regex: layer(name),
            allowTypeImports: true,
            message: `src/${area} may import only types from src/${name} (see docs/architecture.md).`,
          })),
          ...(area === 'store'
            ? []
            : [{ regex: '^(\\.\\./)+store/(?!index\\.js$)', message: 'Import the store through src/store/index.ts only: its files are internal.' }]),
        ],
      },
    ],
  },
});
const others = (area, allowed) => LAYERS.filter((l) => l !== area && !allowed.includes(l));
const fences = [
  fence('util', { forbid: others('util', []) }),
  fence('http', { forbid: others('http', ['util']) }),
  fence('transport', { forbid: others('transport', ['util']) }),
  fence('protocol', { forbid: others('protocol', ['transport', 'util', 'http']) }),
  fence('ilink', { forbid: others('ilink', ['transport', 'util', 'http']) }),
  fence('bot', { forbid: others('bot', ['transport', 'store', 'util']) }),
  fence('pipeline', { forbid: others('pipeline', ['bot', 'transport', 'store', 'util']) }),
  fence('accounts', { forbid: others('accounts', ['pipeline', 'bot', 'transport', 'store', 'util']) }),
  // The cluster (REDIS_URL) drives the accounts layer from above: it places accounts on nodes and fences their store and transport.
  fence('cluster', { forbid: others('cluster', ['accounts', 'transport', 'store', 'util']) }),
  // The store is the floor: it implements the repository ports, whose record types belong to the layers above.
  fence('store', {
    forbid: others('store', ['util', 'transport', 'bot', 'pipeline', 'webhook', 'api', 'admin']),
    types: ['transport', 'bot', 'pipeline', 'webhook', 'api', 'admin'],
  }),
  // The sandbox is the other side of the wire: it may share raw wire types with protocol and ilink, never the bot.
  fence('sandbox', { forbid: others('sandbox', ['protocol', 'ilink', 'transport', 'http', 'util']) }),
  fence('webhook', { forbid: others('webhook', ['bot', 'transport', 'store', 'util', 'http']) }),
  fence('api', { forbid: others('api', ['accounts', 'pipeline', 'bot', 'transport', 'store', 'webhook', 'util', 'http']) }),
  fence('admin', { forbid: others('admin', ['accounts', 'pipeline', 'bot', 'transport', 'store', 'webhook', 'api', 'util', 'http']) }),
  fence('compat', { forbid: others('compat', ['accounts', 'pipeline', 'bot', 'transport', 'store', 'webhook', 'api', 'util', 'http']) }),
  // The test kit (`weiroto/testing`) drives a whole account: it may import any layer; no layer imports it.
  fence('testing', { forbid: [] }),
  {
    // The panel and the API reach an account through the bot's narrow surfaces (`contacts`, `media`,
    // `capabilities`), never through its transport, which could stop the account or log it out.
    // (`info.transport`, the account's kind, is a string and is never dereferenced.)
    files: ['src/admin/**/*.ts', 'src/api/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          "MemberExpression[object.type='MemberExpression'][object.property.name='transport']",
          "MemberExpression[property.name='transport'][object.name=/^(b|bot|account)$/]",
        ].map((selector) => ({ selector, message: "Use the bot's contacts, media or capabilities, not its transport (see docs/architecture.md)." })),
      ],
    },
  },
  {
    // src/*.ts (main, cli, config, the plugin entry …) wire the parts together; they may not open
    // SQLite themselves, nor reach for the test kit.
    files: ['src/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'Only src/store opens SQLite; add a repository method instead.' }],
          patterns: [
            { regex: '^\\./store/(?!index\\.js$)', message: 'Import the store through src/store/index.ts only: its files are internal.' },
            { regex: '^\\./testing/', message: 'Only tests (and src/testing itself) import the test kit src/testing.' },
          ],
        },
      ],
    },
  },
  {
    // A plugin gets everything through the PluginApi it receives: it imports the plugin entry
    // src/plugin.ts (`weiroto/plugin`: definePlugin, Composer, the helpers, form types), its own
    // files and npm packages, nothing else.
    files: ['plugins/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'better-sqlite3', message: 'Plugins keep data through api.kv, never in SQLite directly.' }],
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!plugin\\.js$)',
              message: 'A plugin imports only the plugin API (src/plugin.ts, `weiroto/plugin`).',
            },
            { regex: '^\\.\\./(?!\\.\\./src/)', message: 'A plugin does not import another plugin’s files.' },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-output/**', 'bench/results/**', 'views/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // node:test's describe()/it() return promises the runner tracks itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // Raw WeChat wire shapes are loosely typed on purpose; they are normalised at the edge.
    files: ['src/protocol/raw-types.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...fences,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
  },
);
