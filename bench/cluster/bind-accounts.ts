/**
 * The cluster benches' accounts: made on one SQLite node (`weiroto start` made the first; the rest
 * through its API, 8 at a time) and each bound by confirming its iLink QR, then that node stops and
 * `weiroto migrate-store` copies them into PostgreSQL. Every side restores them from their sessions.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TEST_SECRET_KEY } from '../../test/helpers/store.js';
import { createAccount } from '../../test/cluster/helpers/nodes.js';
import { ROOT } from '../compare/clients.js';
import { until } from '../scale/progress.js';
import type { SandboxProcess } from '../scale/sandbox-process.js';
import { RunningSide, type SideSetup } from './cluster-sides.js';
import { confirmUntilOnline } from './ilink-traffic.js';

/** Make and bind `total` accounts on a SQLite node; answers how long until all were online. */
export async function bindAccounts(setup: SideSetup, sb: SandboxProcess, total: number, sandboxAlive: () => void): Promise<number> {
  const side = await RunningSide.start('sqlite', setup);
  const alive = (): void => (side.alive(), sandboxAlive());
  try {
    const t0 = Date.now();
    await until({ what: 'the first account', read: () => side.known(), target: 1, alive });
    let made = 1;
    const making = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < total) {
          made++;
          await createAccount(side.nodes[0]!, `bench ${made}`, 'ilink');
        }
      }),
    );
    await confirmUntilOnline(sb.ilink, total, () => side.online(), alive);
    await making;
    return Date.now() - t0;
  } finally {
    await side.stop('login');
  }
}

/** Copy the SQLite node's store into PostgreSQL (`weiroto migrate-store`). */
export function migrateToPostgres(setup: SideSetup): void {
  const migrate = spawnSync(process.execPath, [join(ROOT, 'bin/weiroto.js'), 'migrate-store'], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: setup.sqliteDir, DATABASE_URL: setup.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrate-store failed: ${migrate.stderr || migrate.stdout}`);
}
