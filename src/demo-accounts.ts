/**
 * `weiroto demo` shows both transports side by side: on a fresh data folder it adds a web account
 * (scanned on the sandbox phone page /sandbox) and an iLink account (scanned on /sandbox/ilink).
 * Later runs start whatever accounts exist, like `weiroto start`.
 */
import type { AccountManager } from './accounts/index.js';

export const DEMO_ACCOUNTS = [
  { name: 'web demo', transport: 'web' },
  { name: 'iLink demo', transport: 'ilink' },
] as const;

export async function startDemoAccounts(manager: Pick<AccountManager, 'load' | 'list' | 'add' | 'startAll'>): Promise<void> {
  await manager.load();
  if (manager.list().length > 0) return manager.startAll();
  for (const a of DEMO_ACCOUNTS) await manager.add(a.name, { transport: a.transport });
}

/** The banner `weiroto demo` prints: where the panel is and how to reach each account on the phone page. */
export function demoBanner(panelUrl: string, sandboxOrigin: string): string {
  return (
    `\n  weiroto panel:       ${panelUrl}\n  sandbox phone page:  ${sandboxOrigin}/sandbox\n  iLink phone page:    ${sandboxOrigin}/sandbox/ilink\n\n` +
    `  The demo runs two accounts side by side:\n` +
    `    web demo    (web protocol)  open ${sandboxOrigin}/sandbox, press Scan then Confirm, and chat as a friend.\n` +
    `    iLink demo  (official bot)  open ${sandboxOrigin}/sandbox/ilink, scan and confirm as the owner, and chat with the bot contact.\n\n`
  );
}
