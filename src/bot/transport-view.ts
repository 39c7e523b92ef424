/** What the panel and the API show of an account's transport: its kind, the bound user and the reply window. */
import type { Transport } from '../transport/transport.js';
import { ALL_CAPABILITIES } from '../transport/capabilities.js';
import { peerWindowKey, replyWindowView, type TransportView } from '../transport/reply-window.js';

/**
 * @example transportView(bot.transport, clock.now()) // { transport: 'ilink', owner, replyWindow: { open: true, … } }
 */
export function transportView(t: Transport, now: number): TransportView {
  const caps = t.capabilities;
  const owner = t.owner;
  const lacks = ALL_CAPABILITIES.filter((c) => !caps.has.has(c) && c !== 'typing');
  if (!caps.replyWindow || !owner) return { transport: caps.kind, lacks, ...(owner && { owner }) };
  const key = peerWindowKey(owner.id);
  const state = t.replyState?.().find((p) => peerWindowKey(p.id) === key);
  return { transport: caps.kind, lacks, owner, replyWindow: replyWindowView(caps.replyWindow, owner.id, state, now) };
}
