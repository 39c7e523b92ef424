/**
 * What the plugin host keeps on each Context and plugins must neither see nor change: the plugin
 * running now, who replied, the decision trace, where background failures and answers still being
 * worked on go. It sits under a symbol that only src/pipeline imports; the plugin entry
 * (src/plugin.ts) does not export it, and the package's `exports` map keeps deep imports out, so a
 * plugin cannot reach it by name.
 */
import type { TraceStep } from './trace.js';

export const HOST = Symbol('weiroto.context-host');

export interface ContextHostState {
  /** The plugin running now (set by the boundary; names the `source` of replies). */
  plugin: string | undefined;
  /** Plugins that replied to this message. */
  readonly repliedBy: Set<string>;
  /** The decision trace being built (one step per plugin that ran). */
  readonly trace: TraceStep[];
  /** Where failures of background work (`fork`, `ctx.reportError`) go; the host points it at its boundary. */
  errorSink: ((error: unknown, plugin: string | undefined, messageId: string) => void) | undefined;
  /** Where answers still being worked on after the chain returned (`ctx.working`) go; the account runtime shows "typing…" until they settle. */
  workSink: ((work: Promise<unknown>) => void) | undefined;
}

/** The host's part of a context (pipeline code only). */
export function hostState(ctx: { readonly [HOST]: ContextHostState }): ContextHostState {
  return ctx[HOST];
}
