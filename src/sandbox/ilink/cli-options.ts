/**
 * `weiroto sandbox` flags and environment variables for the iLink sandbox: every option and
 * [uncertain] switch as `--ilink-<kebab-name> VALUE` or `SANDBOX_ILINK_<UPPER_SNAKE>=VALUE`
 * (a flag wins over the environment). Pure: the caller hands in argv values and the environment.
 */
import { DEFAULT_SWITCHES, type IlinkOptions } from './options.js';

const NUMBERS = [
  'qrLifetimeMs',
  'verifyAttempts',
  'rebindDelayMs',
  'longPollTimeoutMs',
  'pollHoldMs',
  'updatesLatencyMs',
  'windowMs',
  'quota',
  'typingTicketMs',
  'typingClearMs',
  'uploadParamTtlMs',
  'cdnStoreBytes',
  'autoConfirmMs',
] as const;
const OTHERS = ['verifyCode', 'redirectHost', 'rateLimit'] as const;
const NAMES: readonly string[] = [...Object.keys(DEFAULT_SWITCHES), ...NUMBERS, ...OTHERS];

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** The parseArgs option table of the iLink flags. */
export function ilinkFlagTable(): Record<string, { type: 'string' }> {
  return Object.fromEntries(NAMES.map((k) => [`ilink-${kebab(k)}`, { type: 'string' as const }]));
}

/** One line per flag for the usage text. */
export function ilinkUsage(): string {
  return `  --ilink-<name> V      iLink sandbox option or switch (env SANDBOX_ILINK_<NAME>), e.g. --ilink-poll-hold-ms 1000,
                        --ilink-cursor-mode cursor-replay, --ilink-rate-limit 4/480000/1800000 (see docs/sandbox.md)`;
}

/** Options from flags (`values` of parseArgs) and the environment; throws a clear error on bad values. */
export function ilinkOptionsFrom(values: Record<string, unknown>, env: Record<string, string | undefined>): IlinkOptions {
  const out: Record<string, unknown> = {};
  for (const k of NAMES) {
    const flag = values[`ilink-${kebab(k)}`];
    const v = typeof flag === 'string' ? flag : env[`SANDBOX_ILINK_${snake(k)}`];
    // An empty value means "not set", except for the one free-text switch (errmsg "" was reported).
    if (v === undefined || (v === '' && k !== 'windowErrmsg')) continue;
    const where = typeof flag === 'string' ? `--ilink-${kebab(k)}` : `SANDBOX_ILINK_${snake(k)}`;
    if ((NUMBERS as readonly string[]).includes(k) || ['qrStatusHoldMs', 'duplicateDelayMs', 'tokenGraceMs', 'maxText', 'offlineAfterMs'].includes(k)) {
      if (!/^\d+$/.test(v)) throw new Error(`${where} needs a whole number, got "${v}"`);
      out[k] = Number(v);
    } else if (k === 'verifyCode') {
      if (v !== 'on' && v !== 'off') throw new Error(`${where} must be on or off`);
      out[k] = v === 'on';
    } else if (k === 'rateLimit') {
      const m = /^(\d+)\/(\d+)\/(\d+)$/.exec(v);
      if (v === 'off') out[k] = false;
      else if (!m) throw new Error(`${where} must be off or MAX/PER_MS/COOLDOWN_MS, got "${v}"`);
      else out[k] = { max: Number(m[1]), perMs: Number(m[2]), cooldownMs: Number(m[3]) };
    } else out[k] = v;
  }
  return out as IlinkOptions;
}
