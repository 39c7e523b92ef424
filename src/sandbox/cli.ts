/**
 * `weiroto sandbox`: run the sandbox alone, print where it listens, stop cleanly on SIGINT/SIGTERM.
 *
 * @example
 *   await runSandboxCommand(['--port', '5701', '--tls-port', '5443', '--contacts', '200']);
 */
import { parseArgs } from 'node:util';
import { FAMILIES, type Family } from './hosts.js';
import { startSandbox, type StartOptions } from './index.js';
import { ilinkFlagTable, ilinkOptionsFrom, ilinkUsage } from './ilink/cli-options.js';
import { resolveIlinkOptions } from './ilink/options.js';

const USAGE = `usage: weiroto sandbox [options]
  --port N              HTTP port (default 5701 or SANDBOX_PORT)
  --host ADDR           listen address (default 127.0.0.1)
  --tls-port N          also serve the real WeChat host names over HTTPS on N (test CA is generated)
  --tls-dir DIR         where the test CA and certificate are kept (default: a temp directory)
  --contacts N          friends per account (default 50)
  --officials N         official accounts per account (default 5)
  --rooms N             groups per account (default 10)
  --room-size N         members per group (default 20)
  --accounts N          accounts (default 1)
  --seed N              world seed (default 1)
  --hold-ms N           long-poll hold (default 25000)
  --auto-scan-ms N      scan the newest QR after N ms
  --auto-confirm-ms N   confirm N ms after a scan
  --qr-lifetime-ms N    QR lifetime (default 300000)
  --family F            wx | wx2 | wx8 | web | web2 (default wx2)
  --sync-batch N        max events per webwxsync (default 100)
  --lang L              zh_CN | en_US
  --keep-alive          keep JSON connections open (default: Connection: close, as reported of WeChat)
${ilinkUsage()}`;

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !/^-?\d+$/.test(v)) throw new Error(`--${name} needs a whole number, got "${v}"`);
  return n;
}

/** Parse the flags of `weiroto sandbox` into start options (throws a clear error on bad input). */
export function parseSandboxArgs(argv: string[]): StartOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'tls-port': { type: 'string' },
      'tls-dir': { type: 'string' },
      contacts: { type: 'string' },
      officials: { type: 'string' },
      rooms: { type: 'string' },
      'room-size': { type: 'string' },
      accounts: { type: 'string' },
      seed: { type: 'string' },
      'hold-ms': { type: 'string' },
      'auto-scan-ms': { type: 'string' },
      'auto-confirm-ms': { type: 'string' },
      'qr-lifetime-ms': { type: 'string' },
      family: { type: 'string' },
      'sync-batch': { type: 'string' },
      lang: { type: 'string' },
      'keep-alive': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...ilinkFlagTable(),
    },
    strict: true,
  });
  if (values.help) return 'help';
  const family = values.family;
  if (family !== undefined && !(FAMILIES as readonly string[]).includes(family)) throw new Error(`--family must be one of ${FAMILIES.join(', ')}`);
  const lang = values.lang;
  if (lang !== undefined && lang !== 'zh_CN' && lang !== 'en_US') throw new Error('--lang must be zh_CN or en_US');
  const o: StartOptions = { port: num('port', values.port) ?? num('SANDBOX_PORT', process.env.SANDBOX_PORT) ?? 5701 };
  const set = <K extends keyof StartOptions>(k: K, v: StartOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('host', values.host);
  set('tlsPort', num('tls-port', values['tls-port']));
  set('tlsDir', values['tls-dir']);
  set('contacts', num('contacts', values.contacts));
  set('officials', num('officials', values.officials));
  set('rooms', num('rooms', values.rooms));
  set('roomSize', num('room-size', values['room-size']));
  set('accounts', num('accounts', values.accounts));
  set('seed', num('seed', values.seed));
  set('holdMs', num('hold-ms', values['hold-ms']));
  set('autoScanMs', num('auto-scan-ms', values['auto-scan-ms']));
  set('autoConfirmMs', num('auto-confirm-ms', values['auto-confirm-ms']));
  set('qrLifetimeMs', num('qr-lifetime-ms', values['qr-lifetime-ms']));
  set('family', family as Family | undefined);
  set('syncBatch', num('sync-batch', values['sync-batch']));
  set('lang', lang as 'zh_CN' | 'en_US' | undefined);
  set('keepAlive', values['keep-alive']);
  const ilink = ilinkOptionsFrom(values, process.env);
  resolveIlinkOptions(ilink); // bad values fail here, with the flag's name
  if (Object.keys(ilink).length) o.ilink = ilink;
  return o;
}

/** Run `weiroto sandbox` until SIGINT/SIGTERM. */
export async function runSandboxCommand(argv: string[]): Promise<void> {
  const opts = parseSandboxArgs(argv);
  if (opts === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const sb = await startSandbox(opts);
  const lines = [
    `WeChat sandbox listening on ${sb.origin}`,
    `  use it as WECHAT_ENDPOINT=${sb.origin}`,
    `  phone page: ${sb.origin}/sandbox`,
    `  control API: ${sb.origin}/sandbox/api/state`,
    `iLink: API ${sb.origin}/ilink/bot/… (ILINK_BASE_URL=${sb.origin}), CDN ${sb.origin}/c2c (ILINK_CDN_URL=${sb.origin}/c2c)`,
    `  iLink phone page: ${sb.origin}/sandbox/ilink   control API: ${sb.origin}/sandbox/api/ilink/state`,
  ];
  if (sb.tlsPort !== undefined) {
    lines.push(`  TLS (real host names) on port ${sb.tlsPort}; test CA: ${sb.caCertPath ?? ''}`);
    lines.push('  map *.qq.com / *.wechat.com to this machine in the client process and trust the CA (NODE_EXTRA_CA_CERTS)');
    lines.push('  iLink on ilinkai.weixin.qq.com, ilinkai-sz.weixin.qq.com (redirect) and novac2c.cdn.weixin.qq.com');
  }
  process.stdout.write(lines.join('\n') + '\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sb.close();
  process.stdout.write('sandbox stopped\n');
}
