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

/** Run `fn` over `items`, at most `parallel` at a time. */
async function eachLimited<T>(items: T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await fn(next);
    }),
  );
}

/** Confirm every waiting QR, each as a new phone user (8 at a time), until `online()` reaches `count`. */
export async function confirmUntilOnline(il: IlinkControl, count: number, online: () => Promise<number>, alive: () => void): Promise<void> {
  await until({
    what: 'iLink accounts online after their QR',
    read: async () => {
      const waiting = (await again(() => il.state())).qrcodes.filter((q) => q.status === 'wait').map((q) => q.qrcode);
      await eachLimited(waiting, 8, async (qrcode) => {
        try {
          // Run twice after a lost answer, it is refused (409: confirmed already): harmless here.
          await again(() => il.confirm({ qrcode, user: 'new' }));
        } catch (e) {
          if (!(e instanceof SandboxControlError && (e.status === 404 || e.status === 409))) throw e;
        }
      });
      if (waiting.length === 0) await sleep(200);
      return online();
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
  // The answers are read from the list of sends (complete after `since`); the chat view would cap a busy read at 500 lines.
  let from = (await again(() => il.sent(0))).next;
  const texts = new Map(users.map((u, i) => [`${tag} ${i}`, u]));
  const outAt = new Map<string, number>();
  const reading = until({
    what: `echoes of ${tag}`,
    read: async () => {
      const r = await again(() => il.sent(from));
      from = r.next;
      for (const m of r.messages) {
        const text = m.items[0]?.text;
        if (m.decision === 'delivered' && text !== undefined && texts.has(text) && !outAt.has(text)) outAt.set(text, m.at);
      }
      return outAt.size;
    },
    target: texts.size,
    pollMs: 20,
    alive,
  });
  await eachLimited([...texts], parallel, ([text, user]) => again(() => il.sendMessage({ user, text })).then(() => {}));
  await reading;
  // When each text came in, from its user's chat (a few lines each).
  const latencies: number[] = [];
  await eachLimited([...texts], parallel, async ([text, user]) => {
    const line = (await again(() => il.chat({ user }))).lines.find((l) => l.dir === 'in' && l.items[0]?.text === text);
    if (!line) throw new Error(`the sandbox's chat of ${user} has no "${text}"`);
    latencies.push(outAt.get(text)! - line.at);
  });
  return latencies;
}
