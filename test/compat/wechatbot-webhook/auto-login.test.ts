// DISABLE_AUTO_LOGIN: only `true` forgets the bound account's saved session at start, so a restart
// asks for a new scan; otherwise the session is restored without one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../../../src/sandbox/index.js';
import { startCompatHarness } from './harness.js';

describe('DISABLE_AUTO_LOGIN', () => {
  it('restores the session across a restart unless it is true', async () => {
    const sb = await startSandbox({ holdMs: 300, contacts: 4, rooms: 1, roomSize: 3, rateLimits: false, autoScanMs: 20, autoConfirmMs: 20 });
    const dataDir = mkdtempSync(join(tmpdir(), 'w-compat-auto-'));
    // Logins by scan (a restored session is no new login).
    const scanLogins = async () => (await sb.control.state()).counters.logins!;
    try {
      await (await startCompatHarness({}, { dataDir, sandbox: sb })).close();
      const first = await scanLogins();
      assert.ok(first >= 1);
      await (await startCompatHarness({ DISABLE_AUTO_LOGIN: 'false' }, { dataDir, sandbox: sb })).close();
      assert.equal(await scanLogins(), first, 'restored from the saved session: no new QR');
      await (await startCompatHarness({ DISABLE_AUTO_LOGIN: 'true' }, { dataDir, sandbox: sb })).close();
      assert.ok((await scanLogins()) > first, 'a new scan was asked for');
    } finally {
      await sb.close();
    }
  });
});
