/** A fake transport whose start waits until the test lets it through, counting the starts under way (how many logins run at once). */
import type { StartOptions } from '../../src/transport/transport.js';
import { FakeTransport } from '../../src/testing/fake-transport.js';

export class GatedTransport extends FakeTransport {
  static inFlight = 0;
  static maxInFlight = 0;
  static gates: (() => void)[] = [];
  static qrs = 0;
  /** This transport's start was called (it may still wait at its gate). */
  began = false;

  /** Back to no start seen (each test begins with its own count). */
  static reset(): void {
    GatedTransport.inFlight = 0;
    GatedTransport.maxInFlight = 0;
    GatedTransport.gates = [];
    GatedTransport.qrs = 0;
  }

  override async start(options: StartOptions = {}): Promise<void> {
    this.began = true;
    if (!options.session) GatedTransport.qrs++;
    GatedTransport.inFlight++;
    GatedTransport.maxInFlight = Math.max(GatedTransport.maxInFlight, GatedTransport.inFlight);
    // As a real transport's start, it ends when the account is stopped while it waits (stopAll while later
    // logins have just been given the slots the first ones left): a start that ignored the signal would hold
    // that account's halt, and stopAll with it, forever.
    const { signal } = options;
    try {
      await new Promise<void>((release, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        const gate = (): void => {
          signal?.removeEventListener('abort', stopped);
          release();
        };
        const stopped = (): void => {
          const at = GatedTransport.gates.indexOf(gate);
          if (at >= 0) GatedTransport.gates.splice(at, 1);
          reject(signal!.reason as Error);
        };
        GatedTransport.gates.push(gate);
        signal?.addEventListener('abort', stopped, { once: true });
      });
    } finally {
      GatedTransport.inFlight--;
    }
    return super.start(options);
  }
}
