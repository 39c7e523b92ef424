/** A decision trace: for one handled message, which plugins ran, which replied, and why nothing replied. */

export interface TraceStep {
  plugin: string;
  /** ran = called next or finished; replied = queued at least one reply; failed = threw/rejected/timed out. */
  outcome: 'ran' | 'replied' | 'stopped' | 'failed' | 'timeout';
  ms: number;
  error?: string;
}

export interface DecisionTrace {
  account: string;
  messageId: string;
  chatId: string;
  steps: TraceStep[];
  replied: boolean;
  /** Why nothing replied (or why the message was skipped). */
  reason?: string;
  at: number;
}
