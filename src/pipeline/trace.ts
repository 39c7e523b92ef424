import type { Phrase } from '../util/phrase.js';

/**
 * A decision trace: for one handled message, every installed plugin in chain order with what it
 * did (replied, passed it on, stopped it, failed) or why it did not run, and why nothing replied.
 */

/** Why a plugin did not see the message. */
export type SkipReason =
  /** An earlier plugin ended the chain (`by` names it). */
  | 'not-reached'
  | 'disabled'
  /** The account's transport lacks what the plugin needs. */
  | 'unsupported'
  /** Switched on, but its setup failed (see the plugin's errors). */
  | 'not-set-up'
  /** The plugin handles no messages (only events or schedules). */
  | 'no-handler'
  /** The message is the account's own and the plugin does not read own messages. */
  | 'own-message';

export interface TraceStep {
  plugin: string;
  /**
   * ran = passed the message on; replied = queued (or announced, see `Context.willReply`) a reply;
   * stopped = ended the chain without a reply; failed = threw/rejected; timeout = hung; skipped = did
   * not run (`skip` says why).
   */
  outcome: 'ran' | 'replied' | 'stopped' | 'failed' | 'timeout' | 'skipped';
  ms: number;
  error?: string;
  /** `error` as a phrase, when the plugin raised one. */
  errorPhrase?: Phrase;
  skip?: SkipReason;
  /** With `skip: 'not-reached'`: the plugin that ended the chain. */
  by?: string;
}

export interface DecisionTrace {
  account: string;
  messageId: string;
  chatId: string;
  /** The chat's name when the message was handled (per-session ids change at each web login). */
  chatName?: string;
  steps: TraceStep[];
  replied: boolean;
  /** Why nothing replied (or why the message was skipped), in English. */
  reason?: string;
  /** The same as phrases (one per clause of `reason`), for the panel. */
  why?: Phrase[];
  at: number;
}

/** The steps that ran (without the skipped plugins). */
export function ranSteps(steps: readonly TraceStep[]): TraceStep[] {
  return steps.filter((s) => s.outcome !== 'skipped');
}
