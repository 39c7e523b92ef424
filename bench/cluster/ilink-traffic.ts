/**
 * The traffic of the cluster bench, through the iLink sandbox's control API: bind a bot to every
 * account by confirming its QR, and time echoes. A latency is the sandbox's own clock from the
 * owner's message (`in`) to the bot's answer with the same text (`out`): the driver's polling adds
 * nothing to it.
 */
import type { IlinkControl } from '../../src/sandbox/ilink/control-client.js';
import { SandboxControlError } from '../../src/sandbox/control-client.js';
import { again } from '../scale/sides.js';
import { until } from '../scale/progress.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Confirm each QR as it appears, each as a new phone user, until `online()` reaches `count`. */
export async function confirmUntilOnline(il: IlinkControl, count: number, online: () => Promise<number>, alive: () => void): Promise<void> {
  let seen = 0;
  let checkedAt = 0;
  await until({
    what: 'iLink accounts online after their QR',
    read: async () => {
      try {
        await again(() => il.confirm({ user: 'new' }));
      } catch (e) {
        if (!(e instanceof SandboxControlError && (e.status === 404 || e.status === 409))) throw e;
        await sleep(50); // no QR waiting right now
      }
      if (Date.now() - checkedAt > 500) {
        checkedAt = Date.now();
        seen = await online();
      }
      return seen;
    },
    target: count,
    pollMs: 0,
    alive,
  });
}

/** The users bound to a bot (one per account). */
export async function boundUsers(il: IlinkControl): Promise<string[]> {
  return (await again(() => il.state())).users.filter((u) => u.bot).map((u) => u.id);
}

/**
 * Write one text to each of `users` (at most `parallel` injections at a time) and wait for every
 * echo; answers the latencies in ms. `alive` throws when a process the wait depends on died.
 */
export async function echoes(il: IlinkControl, users: string[], tag: string, parallel: number, alive: () => void): Promise<number[]> {
  // The chat answers at most its last 500 lines after `since`: it is read while the texts go in, from its current end.
  let from = (await again(() => il.chat({ since: 0 }))).next;
  const texts = new Map(users.map((u, i) => [`${tag} ${i}`, u]));
  const inAt = new Map<string, number>();
  const latencies = new Map<string, number>();
  const reading = until({
    what: `echoes of ${tag}`,
    read: async () => {
      const r = await again(() => il.chat({ since: from }));
      from = r.next;
      for (const l of r.lines) {
        const text = l.items[0]?.text;
        if (text === undefined || !texts.has(text)) continue;
        if (l.dir === 'in') inAt.set(text, l.at);
        else if (inAt.has(text) && !latencies.has(text)) latencies.set(text, l.at - inAt.get(text)!);
      }
      return latencies.size;
    },
    target: texts.size,
    pollMs: 20,
    alive,
  });
  const queue = [...texts];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await again(() => il.sendMessage({ user: next[1], text: next[0] }));
    }),
  );
  await reading;
  return [...latencies.values()];
}
