/**
 * The `weiroto` command: `start`, `demo`, `sandbox`, `plugin new NAME`, `migrate-store`. Reads the configuration
 * once, prints one clear line for a bad setting and exits non-zero, and stops cleanly on
 * SIGTERM/SIGINT (exit 0 within 10 s).
 */
// Only type imports and the heap settings here: the server's modules are imported once the heap
// settings are in place (runServerCommand), because loading them is what grows the young generation.
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { limitOldGenerationGrowth } from './util/old-generation.js';
import { capYoungGeneration } from './util/young-generation.js';

const USAGE = `Usage: weiroto <command>

Commands:
  start              run the server against the real WeChat hosts (panel, API, accounts)
  demo               run the server and the local sandbox together (no real account needed)
  sandbox [flags]    run only the sandbox WeChat server (see docs/sandbox.md)
  plugin new NAME    scaffold plugins/NAME/index.ts and its test
  migrate-store      copy DATA_DIR's SQLite store into the empty PostgreSQL database DATABASE_URL
  help               show this text

Settings come from the environment or .env (see .env.example).`;

const SHUTDOWN_LIMIT_MS = 10_000;

function fail(message: string): never {
  process.stderr.write(`weiroto: ${message}\n`);
  process.exit(1);
}

async function readConfig(): Promise<Config> {
  const { ConfigError, loadConfig } = await import('./config.js');
  try {
    return loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
}

/** Stop `server` on SIGTERM/SIGINT; exit 0 when done, 1 if it takes longer than 10 s. */
function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    timer.unref();
    stop().then(
      () => {
        log.info('stopped');
        log.flush?.();
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function runServerCommand(demo: boolean): Promise<void> {
  capYoungGeneration();
  limitOldGenerationGrowth();
  const config = await readConfig();
  const [{ createLogger }, { startServer }, { StoreError }, { trimHeapAfterStart }] = await Promise.all([
    import('./logger.js'),
    import('./main.js'),
    import('./store/index.js'),
    import('./util/heap-trim.js'),
  ]);
  const log = createLogger({ level: config.logLevel });
  const starting = startServer({ config, log, demo });
  // Handled from the start: the server listens (and says so) before its accounts have started, and a
  // signal in between (a service manager, a test that saw the listening line) must still stop it cleanly.
  stopOnSignals(async () => (await starting).close(), log);
  try {
    await starting;
  } catch (e) {
    // Start-up problems (bad data dir, corrupt database, port in use) are one clear line.
    if (e instanceof StoreError || e instanceof Error) fail(e.message);
    throw e;
  }
  trimHeapAfterStart();
}

/** Copy the SQLite store of DATA_DIR into DATABASE_URL, printing each table's row count. */
async function runMigrateStore(): Promise<void> {
  const config = await readConfig();
  if (!config.databaseUrl) fail('migrate-store copies into DATABASE_URL: set it to the new PostgreSQL database (postgres://…).');
  const [{ migrateStore }, { StoreError }] = await Promise.all([import('./store/migrate-store.js'), import('./store/index.js')]);
  try {
    const report = await migrateStore({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      onTable: (table, rows) => process.stdout.write(`${table}: ${rows} rows\n`),
    });
    const total = report.tables.reduce((n, t) => n + t.rows, 0);
    process.stdout.write(`copied ${total} rows from ${config.dataDir} into PostgreSQL. Start every node with this DATABASE_URL and the same SECRET_KEY.\n`);
  } catch (e) {
    if (e instanceof StoreError) fail(e.message);
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return runServerCommand(false);
    case 'demo':
      return runServerCommand(true);
    case 'sandbox': {
      const { runSandboxCommand } = await import('./sandbox/cli.js');
      return runSandboxCommand(rest);
    }
    case 'plugin': {
      if (rest[0] !== 'new' || !rest[1]) fail('usage: weiroto plugin new NAME');
      const { scaffoldPlugin } = await import('./bot/scaffold.js');
      try {
        const { files } = scaffoldPlugin(rest[1], process.cwd());
        for (const f of files) process.stdout.write(`created ${f}\n`);
      } catch (e) {
        fail((e as Error).message);
      }
      return;
    }
    case 'migrate-store':
      return runMigrateStore();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      fail(`unknown command "${command}".\n${USAGE}`);
  }
}

await main(process.argv.slice(2));
