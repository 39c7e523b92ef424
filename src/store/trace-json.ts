/**
 * How a decision trace is kept in its row: JSON, each skipped plugin as a short array (`[plugin, skip]`, or
 * `[plugin, 'not-reached', by]`) instead of a step object. A trace lists every installed plugin, and on a bot with
 * one plugin of eight on, seven of its eight steps are skipped ones: as objects they were most of the row's bytes and
 * of its JSON's making (issue 17). Rows written before hold step objects only, and read as they were.
 */
import type { DecisionTrace, SkipReason, TraceStep } from '../pipeline/trace.js';
import type { Phrase } from '../util/phrase.js';

/** A step as stored. */
type StoredStep = TraceStep | [plugin: string, skip: SkipReason] | [plugin: string, skip: 'not-reached', by: string];

/** What the row's JSON holds (the trace without its account, message, chat and time, which are columns). */
export interface StoredTrace {
  steps: StoredStep[];
  replied: boolean;
  reason?: string;
  why?: Phrase[];
  chatName?: string;
}

/**
 * The JSON of the skipped steps the plugin host shares between traces (frozen), made once each: the same few
 * steps come back in every trace of the account.
 */
const sharedJson = new WeakMap<TraceStep, string>();

function stepJson(s: TraceStep): string {
  if (s.outcome !== 'skipped' || s.skip === undefined) return JSON.stringify(s);
  let json = sharedJson.get(s);
  if (json === undefined) {
    json = JSON.stringify(s.by === undefined ? [s.plugin, s.skip] : [s.plugin, s.skip, s.by]);
    // A step made for one trace alone would only fill the map.
    if (Object.isFrozen(s)) sharedJson.set(s, json);
  }
  return json;
}

/** The row's JSON of a trace. */
export function traceJson(t: DecisionTrace): string {
  let steps = '';
  for (const s of t.steps) steps += steps === '' ? stepJson(s) : `,${stepJson(s)}`;
  // `replied` first and always there: the rest of the object follows the steps as JSON.stringify writes it.
  const rest = JSON.stringify({ replied: t.replied, reason: t.reason, why: t.why, chatName: t.chatName });
  return `{"steps":[${steps}],${rest.slice(1)}`;
}

/** A row's steps as the trace's. */
export function stepsOf(stored: StoredStep[]): TraceStep[] {
  return stored.map((s): TraceStep => {
    if (!Array.isArray(s)) return s;
    const [plugin, skip, by] = s;
    return by === undefined ? { plugin, outcome: 'skipped', ms: 0, skip } : { plugin, outcome: 'skipped', ms: 0, skip, by };
  });
}
