/**
 * The sandbox of the scale bench in its OWN process (`weiroto sandbox`, TLS mode on the real host
 * names), so that neither the bench driver nor weiroto takes its CPU: with 1,000 accounts its long
 * polls and start-up answers are the thing measured, and a starved sandbox (one that shared the
 * driver's event loop) answered synccheck too late. Driven only through its control APIs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SandboxControl } from '../../src/sandbox/control-client.js';
import { IlinkControl } from '../../src/sandbox/ilink/control-client.js';
import { ROOT } from '../compare/clients.js';

export interface SandboxSize {
  accounts: number;
  contacts: number;
  rooms: number;
  roomSize: number;
  /** synccheck hold (25 s like WeChat, protocol.md §5.5). */
  holdMs: number;
  /** iLink getupdates hold (35 s like the iLink server, ilink.md §4.1). */
  ilinkHoldMs: number;
  /** Where the test CA and certificate go (removed with the bench's directory). */
  tlsDir: string;
}

export class SandboxProcess {
  readonly control: SandboxControl;
  readonly ilink: IlinkControl;

  private constructor(
    readonly proc: ChildProcess,
    readonly origin: string,
    readonly tlsPort: number,
    readonly caCertPath: string,
    private readonly stderr: () => string,
  ) {
    this.control = new SandboxControl(origin);
    this.ilink = new IlinkControl(origin);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Start it and wait for the lines that say where it listens (no deadline: a loaded machine only makes it slower; its exit ends the wait). */
  static async start(size: SandboxSize): Promise<SandboxProcess> {
    const args = [
      join(ROOT, 'bin/weiroto.js'),
      'sandbox',
      ...['--port', '0', '--tls-port', '0', '--tls-dir', size.tlsDir],
      ...['--accounts', String(size.accounts), '--contacts', String(size.contacts), '--rooms', String(size.rooms), '--room-size', String(size.roomSize)],
      ...['--hold-ms', String(size.holdMs), '--ilink-poll-hold-ms', String(size.ilinkHoldMs)],
      // iLink QR codes live 60 s; 1,000 accounts scanned one after another need longer than that.
      ...['--ilink-qr-lifetime-ms', '900000'],
    ];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const found: { origin?: string; tlsPort?: number; ca?: string } = {};
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the sandbox exited (${String(code)}) before it listened: ${stderr}`));
      proc.once('exit', onExit);
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const http = /listening on (http:\/\/\S+)/.exec(line);
        if (http) found.origin = http[1];
        const tls = /TLS \(real host names\) on port (\d+); test CA: (\S+)/.exec(line);
        if (tls) [found.tlsPort, found.ca] = [Number(tls[1]), tls[2]];
        if (found.origin && found.tlsPort && found.ca) {
          proc.off('exit', onExit);
          resolve();
        }
      });
    });
    return new SandboxProcess(proc, found.origin!, found.tlsPort!, found.ca!, () => stderr);
  }

  /** What it wrote to stderr last (for error messages). */
  tail(): string {
    return this.stderr().slice(-1500);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(kill);
  }
}
