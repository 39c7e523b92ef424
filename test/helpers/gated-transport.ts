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
    await new Promise<void>((release) => GatedTransport.gates.push(release));
    GatedTransport.inFlight--;
    return super.start(options);
  }
}
