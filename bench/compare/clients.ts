/**
 * The three echo clients of the comparison, each in its own process, all going through TLS to the
 * real WeChat host names: the test/helpers/wechat4u-hosts.cjs preload resolves *.qq.com to
 * 127.0.0.1 and turns port 443 into the sandbox's TLS port in that process only, and
 * NODE_EXTRA_CA_CERTS trusts the sandbox's test CA. Same TLS, same DNS trick, same sandbox.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { Child } from './proc.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const PRELOAD = join(ROOT, 'test/helpers/wechat4u-hosts.cjs');
const BURST_PROFILE = join(ROOT, 'bench/compare/burst-profile.cjs');

export type ClientName = 'weiroto' | 'wechat4u' | 'raw';
export const CLIENTS: ClientName[] = ['raw', 'weiroto', 'wechat4u'];

/** What "ready" means for each client (printed with the figures). */
export const READY_DEFINITION: Record<ClientName, string> = {
  weiroto:
    'its log line "account … online (N contacts, M rooms)" on stdout (and /readyz 200 right after): the account is online, which weiroto sets on its transport `ready` event, i.e. after webwxinit, statusnotify, every getcontact page, the first webwxsync, batchgetcontact of every group (members loaded) and the directory written to SQLite',
  wechat4u:
    'its address book (bot.contacts) holds every friend and every group (a `contacts-updated` event after getcontact and its SYNC_CONV batchgetcontact); wechat4u asks for the members of the groups getcontact lists in ONE batchgetcontact of >50 items, which the server refuses (Ret 1200), so those groups have no members until one of them speaks',
  raw: 'its stdout line {"event":"ready"}: after webwxinit, every getcontact page and batchgetcontact (50 per call, all at once) of every group',
};

export interface Expect {
  friends: number;
  rooms: number;
}

export interface RunningClient {
  name: ClientName;
  child: Child;
  /** Wall-clock time (ms) at which the client was first seen ready. */
  ready(timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

function baseEnv(tlsPort: number, caCertPath: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'production',
    SANDBOX_TLS_PORT: String(tlsPort),
    NODE_EXTRA_CA_CERTS: caCertPath,
    ...(process.env.BENCH_BURST_PROF ? { BENCH_BURST_PROF: process.env.BENCH_BURST_PROF } : {}),
    ...(process.env.BENCH_ECHO_PATH ? { BENCH_ECHO_PATH: process.env.BENCH_ECHO_PATH } : {}),
    ...(process.env.BENCH_ALLOC_SURVIVORS ? { BENCH_ALLOC_SURVIVORS: process.env.BENCH_ALLOC_SURVIVORS } : {}),
  };
}

/** The raw client as plain JavaScript (no loader in its process, so its RSS is its own). */
function compileRaw(dir: string): string {
  const src = readFileSync(join(ROOT, 'bench/clients/raw-echo.ts'), 'utf8');
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } });
  const file = join(dir, 'raw-echo.mjs');
  writeFileSync(file, out.outputText);
  return file;
}

export class ClientLauncher {
  private readonly dir = mkdtempSync(join(tmpdir(), 'bench-clients-'));
  private readonly rawFile = compileRaw(this.dir);
  private n = 0;

  constructor(
    private readonly tlsPort: number,
    private readonly caCertPath: string,
    private readonly expect: Expect,
  ) {}

  /** `nodeArgs`, `extraEnv`: more node flags and environment for this client only (the memory benchmark's probe). */
  launch(name: ClientName, nodeArgs: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): RunningClient {
    const env = { ...baseEnv(this.tlsPort, this.caCertPath), ...extraEnv };
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each client, written when it exits.
    // BENCH_BURST_PROF=<dir>: a V8 CPU profile of the echo burst only (bench/compare/burst-profile.cjs).
    // BENCH_NODE_ARGS: more node flags for every client (e.g. --heap-prof, --require a probe).
    const prof = [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : []),
      ...(process.env.BENCH_BURST_PROF ? ['--require', BURST_PROFILE] : []),
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...nodeArgs,
    ];
    if (name === 'raw') {
      const child = new Child('raw', [...prof, '--require', PRELOAD, this.rawFile], env, ROOT);
      return { name, child, ready: async (t) => (await child.waitFor('ready', (e) => e.event === 'ready', t)).at, stop: async () => void (await child.stop()) };
    }
    if (name === 'wechat4u') {
      const child = new Child(
        'wechat4u',
        [...prof, '--require', PRELOAD, join(ROOT, 'bench/compare/wechat4u-echo.cjs')],
        { ...env, DEBUG: '', EXPECT_FRIENDS: String(this.expect.friends), EXPECT_ROOMS: String(this.expect.rooms) },
        ROOT,
      );
      return { name, child, ready: async (t) => (await child.waitFor('ready', (e) => e.event === 'ready', t)).at, stop: async () => void (await child.stop()) };
    }
    // weiroto start, as a user runs it: fresh DATA_DIR (SQLite on), no WECHAT_ENDPOINT, info logs.
    // cwd is the data dir so that no .env of the checkout leaks in.
    const dataDir = join(this.dir, `weiroto-${++this.n}`);
    mkdirSync(dataDir);
    const child = new Child(
      'weiroto',
      [...prof, '--require', PRELOAD, join(ROOT, 'bin/weiroto.js'), 'start'],
      { ...env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, BOT_PLUGINS: 'echo', SEND_PACING: 'off', LOG_LEVEL: 'info' },
      dataDir,
    );
    // Ready = its "account … online (N contacts, M rooms)" log line, read off stdout like the
    // other clients' ready lines; /readyz must then answer 200 (checked, not timed).
    const ready = async (timeoutMs: number): Promise<number> => {
      const url = await weirotoUrl(child, timeoutMs);
      const { at } = await child.waitFor(
        'the "account … online" log line',
        (e) => typeof e.msg === 'string' && / online \(\d+ contacts/.test(e.msg),
        timeoutMs,
      );
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`weiroto logged online but /readyz answered ${res.status}\n${child.tails()}`);
      return at;
    };
    return { name, child, ready, stop: async () => void (await child.stop()) };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The panel URL from weiroto's "listening" log line. */
export async function weirotoUrl(child: Child, timeoutMs: number): Promise<string> {
  const e = await child.waitFor('the "weiroto listening" log line', (x) => typeof x.msg === 'string' && x.msg.startsWith('weiroto listening on '), timeoutMs);
  return String(e.msg).slice('weiroto listening on '.length).trim();
}
