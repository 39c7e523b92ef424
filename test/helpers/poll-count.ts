/** Long polls that came back (`heartbeat`), counted across the transports a test's manager makes. */
import { waitUntil } from '../../src/testing/wait.js';

export class PollCount {
  n = 0;

  /** Count this transport's polls; returns it (for a createTransport callback). */
  watch<T extends { on(event: 'heartbeat', listener: () => void): unknown }>(t: T): T {
    t.on('heartbeat', () => this.n++);
    return t;
  }

  /** Until `more` further polls have come back. */
  async more(more: number, what: string): Promise<void> {
    const target = this.n + more;
    await waitUntil(() => this.n >= target, 20_000, what);
  }
}
