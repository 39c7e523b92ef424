/**
 * The plugins of one account: which are on, in what order, with what config, and the composed
 * chain every message runs through. Changes (enable, disable, configure, reorder) are validated,
 * stored in SQLite, and swap in a newly composed chain atomically; a message already in flight
 * finishes on the chain it started with.
 */
import type { AxiosInstance } from 'axios';
import { loadAxios } from '../util/axios.js';
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { Message } from '../transport/model.js';
import type { KvRepo, PluginErrorsRepo, PluginSetting, PluginSettingsRepo } from '../store/index.js';
import type { DecisionTrace, SkipReason, TraceStep } from './trace.js';
import type { BotHandle, OutgoingContent } from '../bot/types.js';
import type { BotEvents } from '../bot/events.js';
import { chatNameIn } from '../bot/directory.js';
import { PLUGIN_EVENT_NAMES } from '../bot/event-vocabulary.js';
import { compose, developmentWarn, type Middleware, type Warn } from './compose.js';
import { isComposer } from './composer.js';
import { Context } from './context.js';
import { hostState } from './context-host.js';
import { botView } from './bot-view.js';
import { boundaryChain, Watchdog, type BoundaryLayer } from './boundary.js';
import { fillConfig, type ConfigDefaults } from './config-defaults.js';
import { guardedAgents, type OutboundPolicy } from '../util/outbound-guard.js';
import { checkConfig, describeIssues } from './config-check.js';
import {
  manifestOf,
  PluginError,
  ValidationError,
  type PluginApi,
  type PluginDefinition,
  type PluginDisposer,
  type PluginEventName,
  type PluginManifest,
  type PluginStore,
} from './plugin.js';
import { PHRASES } from '../util/phrase-book.js';
import { phraseOf, say, type Phrase } from '../util/phrase.js';
import type { PluginRegistry } from './plugin-registry.js';
import { UnsupportedError, missingCapabilities, type Capability } from '../transport/capabilities.js';
import { messageOf } from '../util/error-text.js';

export interface PluginHostDeps {
  account: string;
  bot: BotHandle & { on<E extends keyof BotEvents>(event: E, listener: (p: BotEvents[E]) => void): () => void };
  registry: PluginRegistry;
  settings: PluginSettingsRepo;
  errors: PluginErrorsRepo;
  kv: KvRepo;
  log: Logger;
  clock: Clock;
  /** Plugins switched on for an account with no saved settings (BOT_PLUGINS). */
  defaults: string[];
  /**
   * Host-level values per plugin that fill settings left blank (undefined or ""), or a function
   * that decides (`aiDeploymentDefaults`: AI_API_KEY only for AI_BASE_URL). The saved settings
   * stay as the operator wrote them; only what `setup` receives is filled.
   */
  configDefaults?: Record<string, ConfigDefaults>;
  /**
   * Who plugins' `api.http` may reach on private or loopback addresses (every connection is
   * checked, redirects included). Default: none.
   */
  httpPolicy?: OutboundPolicy;
  /** Seals write-only settings (JSON Schema `writeOnly`, e.g. the ai plugin's apiKey) at rest: the store's SecretBox. */
  secrets?: { seal(plain: string): string; open(sealed: string): string };
  /** DATA_DIR, handed to plugins as `api.dataDir` (files they read or write). */
  dataDir?: string;
  /** A plugin's own time per message (and for setup) before it is reported as hung. Default 10 s. */
  timeoutMs?: number;
  /** Every plugin failure (the bot turns it into an `error` event). */
  onError?(error: PluginError): void;
  /** The account's settings were just saved (a cluster tells the node running the account to `reload`). */
  onSaved?(): void;
  /** Development warnings about plugins' middleware (a `next()` without `await`). Default: process warnings unless NODE_ENV=production. */
  warn?: Warn;
}

export interface PluginInfo {
  name: string;
  description: string;
  enabled: boolean;
  order: number;
  config: unknown;
  /** Failures since this process started. */
  errors: number;
  lastError?: string;
  /** The cause of the last failure as a phrase, when the plugin raised one. */
  lastErrorPhrase?: Phrase;
  /** Capabilities the plugin needs that the account's transport lacks: it cannot apply here. */
  unsupported?: Capability[];
  /** The plugin can test its outside connection (`probe`). */
  testable?: boolean;
  /** Switched on, but its setup failed (threw, rejected or hung): it does not run until set up again (enable, configure). */
  failed?: { error: string; phrase?: Phrase };
}

/** What a plugin's connection test found: the other side's answer, or the exact reason it failed. */
export type ProbeResult = { ok: true; answer: string; ms: number } | { ok: false; error: string; phrase?: Phrase; ms: number };

interface Instance {
  mws: Middleware<Context>[];
  selfMws: Middleware<Context>[];
  handlers: Map<PluginEventName, ((p: never) => unknown)[]>;
  disposers: PluginDisposer[];
}

interface Slot {
  name: string;
  /** What is known without its code: description, requirements, chain position. */
  entry: PluginManifest;
  /** Its code, once loaded (always, while it is switched on). */
  def?: PluginDefinition;
  enabled: boolean;
  order: number;
  /** The parsed config once `def` is there; before, the setting as stored (secrets still sealed). */
  config: unknown;
  instance?: Instance;
  errors: number;
  lastError?: string;
  lastErrorPhrase?: Phrase;
  /** Why the last setup failed, while it stands. */
  setupFailure?: { error: string; phrase?: Phrase };
}

type Chain = (ctx: Context) => Promise<void>;

/** One plugin of the chain with why it would be skipped, and the slot state that was decided on. */
interface SkipPlanEntry {
  slot: Slot;
  enabled: boolean;
  instance: Instance | undefined;
  name: string;
  /**
   * Its skipped step (why it did not run) on an own message and on another one, made once per plan and shared by every trace (frozen:
   * nothing may change them): a bot with one plugin of eight on made seven step objects per message (issue 17).
   */
  step: { self: TraceStep; other: TraceStep };
  /** Its 'not-reached' step with `by`, per plugin that ended the chain, made on first use. */
  endedBy: Map<string, TraceStep>;
}

/**
 * The step of `plugin` among those that ran. A handful of steps: a scan costs less than a Map (and a message that
 * started before a reorder keeps its steps); a loop, not `find`, which made a closure per plugin per message.
 */
function stepOf(ran: TraceStep[], plugin: string): TraceStep | undefined {
  for (const s of ran) if (s.plugin === plugin) return s;
  return undefined;
}

/** A skipped step, frozen: plans share theirs between traces. */
function skippedStep(plugin: string, skip: SkipReason, by?: string): TraceStep {
  return Object.freeze(by === undefined ? { plugin, outcome: 'skipped', ms: 0, skip } : { plugin, outcome: 'skipped', ms: 0, skip, by });
}

/** Why nothing replied, as a trace says it: the sentence and its phrases (see `explain`). */
interface Explanation {
  reason: string;
  why: Phrase[];
}

/**
 * The clauses of an explanation joined, frozen as the skipped steps are: the two fixed ones (an own message, no
 * plugin on) are made once and shared by every trace that gives them, half of a busy bot's traces (every reply
 * comes back as an own message); each cost a phrase filled in and five objects per message (issue 17).
 */
function explain(clauses: { message: string; phrase: Phrase }[]): Explanation {
  const why = Object.freeze(clauses.map((c) => Object.freeze(c.phrase))) as Phrase[];
  return Object.freeze({ reason: clauses.map((c) => c.message).join('; '), why });
}

const OWN_MESSAGE = explain([say(PHRASES, 'trace.own-message')]);
const NO_PLUGINS = explain([say(PHRASES, 'trace.no-plugins')]);

/** The longest a connection test may take: a backstop, the plugin bounds its own call (the AI by timeoutSeconds). */
const PROBE_LIMIT_MS = 310_000;

/**
 * A new account's chain: by each plugin's `chainPosition` (admin-commands first so `#pause` covers
 * every plugin that answers, echo last), then BOT_PLUGINS' order, then the registry's.
 */
function newAccountOrder(defs: PluginManifest[], defaults: string[]): Map<string, number> {
  const listed = (name: string): number => (defaults.includes(name) ? defaults.indexOf(name) : defaults.length);
  const sorted = defs
    .map((def, i) => ({ def, i }))
    .sort((a, b) => (a.def.chainPosition ?? 50) - (b.def.chainPosition ?? 50) || listed(a.def.name) - listed(b.def.name) || a.i - b.i);
  return new Map(sorted.map(({ def }, i) => [def.name, i]));
}

/** A stored setting without its sealed values (`{ sealed }`): what may be shown of a plugin whose code is not loaded. */
function withoutSealed(config: unknown): unknown {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  return Object.fromEntries(Object.entries(config).filter(([, v]) => !(typeof v === 'object' && v !== null && 'sealed' in v)));
}

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export class PluginHost {
  private slots = new Map<string, Slot>();
  private chain: Chain = () => Promise.resolve();
  private selfChain: Chain | undefined;
  private enabledCount = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void)[] = [];
  /** Event handlers still running (see `idle`). */
  private handling = new Set<Promise<void>>();
  private readonly watchdog: Watchdog;
  private readonly timeoutMs: number;
  private readonly pluginLog: Logger;
  /** The bot as plugins and contexts see it (no transport, no lifecycle). */
  private readonly view: BotHandle;
  /** The slots in chain order, until the next change (see `recompose`). */
  private inOrder: Slot[] | undefined;
  /** Where contexts report failures of background work (one function for every message). */
  private readonly backgroundFailure = (error: unknown, plugin: string | undefined, messageId: string): void =>
    this.report(new PluginError(plugin ?? '(unknown)', 'rejected', error, messageId));
  /**
   * Why each plugin would be skipped (see `skipPlan`), for the chain and capabilities it was made for. `noneRan`: the
   * steps of a trace where no plugin ran (an own message no plugin reads: every reply's echo), frozen and shared by
   * those traces as the steps in it are.
   */
  private plan: { caps: unknown; steps: SkipPlanEntry[]; noneRan: { self: TraceStep[]; other: TraceStep[] } } | undefined;

  constructor(private readonly deps: PluginHostDeps) {
    this.view = botView(deps.bot);
    this.timeoutMs = deps.timeoutMs ?? 10_000;
    this.watchdog = new Watchdog(deps.clock, Math.max(5, Math.min(250, Math.floor(this.timeoutMs / 4))));
    this.pluginLog = deps.log;
  }

  /** Load the account's settings (or the defaults) and set up the enabled plugins in order. */
  async init(): Promise<void> {
    return this.exclusive(async () => {
      const saved = await this.deps.settings.list(this.deps.account);
      const byName = new Map(saved.map((s) => [s.plugin, s]));
      const defaults = this.deps.defaults;
      let order = saved.length ? Math.max(...saved.map((s) => s.order)) + 1 : defaults.length;
      const fresh = saved.length ? undefined : newAccountOrder(this.deps.registry.manifests(), defaults);
      let plaintextSecrets = false;
      for (const entry of this.deps.registry.manifests()) {
        const { name } = entry;
        const s = byName.get(name);
        const enabled = s ? s.enabled : !saved.length && defaults.includes(name);
        const slotOrder = s ? s.order : (fresh?.get(name) ?? order++);
        const slot: Slot = { name, entry, enabled, order: slotOrder, config: s?.config ?? {}, errors: 0 };
        this.slots.set(name, slot);
        // A plugin that is off keeps its code unloaded until it is needed (switched on, configured, listed by the panel or the API).
        if (enabled) await this.deps.registry.load(name);
        // Every slot is adopted (no `||=`: it would skip the rest once one secret was found unsealed).
        if (this.adopt(slot)) plaintextSecrets = true;
      }
      this.inOrder = undefined;
      for (const name of defaults) {
        if (!this.deps.registry.has(name)) this.deps.log.warn({ plugin: name }, 'BOT_PLUGINS names a plugin that is not installed');
      }
      for (const ev of PLUGIN_EVENT_NAMES) this.unsubscribe.push(this.deps.bot.on(ev, (p) => this.dispatch(ev, p)));
      for (const slot of this.ordered()) if (slot.enabled) slot.instance = await this.setup(slot, slot.config);
      this.recompose();
      // Settings written before secrets were sealed are sealed now.
      if (plaintextSecrets) await this.save();
    });
  }

  /**
   * Every installed plugin with its state for this account, in chain order. A plugin whose code is
   * not loaded yet (`registry.loadAll`: the panel and the API load every plugin first) shows its
   * stored settings without their sealed secrets.
   */
  list(): PluginInfo[] {
    for (const s of this.slots.values()) this.adopt(s);
    return this.ordered().map((s) => ({
      name: s.name,
      description: s.entry.description,
      enabled: s.enabled,
      order: s.order,
      config: s.def ? s.config : withoutSealed(s.config),
      errors: s.errors,
      ...(s.lastError !== undefined && { lastError: s.lastError }),
      ...(s.lastErrorPhrase !== undefined && { lastErrorPhrase: s.lastErrorPhrase }),
      ...this.applicability(s.entry),
      ...(s.entry.testable && { testable: true }),
      ...(s.enabled && s.setupFailure && { failed: s.setupFailure }),
    }));
  }

  /**
   * Run the plugin's connection test once with its saved settings, filled like `setup`'s (so the
   * AI key rules and the outbound guard apply), whether or not it is switched on. Never rejects.
   */
  async probe(name: string): Promise<ProbeResult> {
    const slot = this.slot(name);
    const started = this.deps.clock.now();
    const ms = (): number => this.deps.clock.now() - started;
    const def = await this.loaded(slot);
    if (!def.probe) {
      const { message, phrase } = say(PHRASES, 'plugin.no-probe', { plugin: name });
      return { ok: false, error: message, phrase, ms: 0 };
    }
    try {
      const config = fillConfig(slot.config, this.deps.configDefaults?.[name]);
      const scratch: Instance = { mws: [], selfMws: [], handlers: new Map(), disposers: [] };
      // The plugin bounds its own call (the AI's timeoutSeconds); this only stops a test that never ends.
      const answer = await this.withTimeout(def.probe(this.api(name, config, scratch) as PluginApi<never>, config as never), name, PROBE_LIMIT_MS);
      return { ok: true, answer, ms: ms() };
    } catch (e) {
      const phrase = phraseOf(e);
      return { ok: false, error: messageOf(e), ...(phrase && { phrase }), ms: ms() };
    }
  }

  /** What the plugin needs that this account's transport lacks (absent when it applies). */
  private applicability(def: PluginManifest): { unsupported?: Capability[] } {
    const missing = missingCapabilities(this.deps.bot.capabilities, def.requires);
    return missing.length ? { unsupported: missing } : {};
  }

  /** Resolve when the event handlers running now (and any they start meanwhile) have finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.handling.size) await Promise.all(this.handling);
  }

  /** Switch a plugin on (at its saved position). */
  enable(name: string): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(name);
      if (slot.enabled) return;
      await this.loaded(slot);
      slot.enabled = true;
      slot.instance = await this.setup(slot, slot.config);
      this.recompose();
      await this.save();
    });
  }

  /** Switch a plugin off; its config is kept. */
  disable(name: string): Promise<void> {
    return this.exclusive(async () => {
      const slot = this.slot(name);
      if (!slot.enabled) return;
      slot.enabled = false;
      const old = slot.instance;
      delete slot.instance;
      this.recompose();
      await this.save();
      await this.dispose(slot, old);
    });
  }

  /**
   * Validate and store a new config; an enabled plugin is set up again with it.
   * Throws ValidationError (with the schema's messages, unknown keys and the plugin's own checks) when the config does not fit.
   */
  configure(name: string, config: unknown): Promise<unknown> {
    return this.exclusive(async () => {
      const slot = this.slot(name);
      const checked = checkConfig(await this.loaded(slot), this.keepSecrets(slot, config), this.deps.bot);
      if (!checked.ok) throw new ValidationError(`Invalid config for ${name}: ${describeIssues(checked.issues)}`, checked.issues);
      // Settings that cannot work with the host's values (an own AI baseUrl without its own key) are refused before anything changes.
      fillConfig(checked.config, this.deps.configDefaults?.[name]);
      slot.config = checked.config;
      if (slot.enabled) {
        const old = slot.instance;
        slot.instance = await this.setup(slot, slot.config);
        this.recompose();
        await this.dispose(slot, old);
      }
      await this.save();
      return slot.config;
    });
  }

  /**
   * Read the account's settings again (another node's panel or API changed them): plugins switched
   * on or off, or given a new config, are set up or disposed; the chain follows the stored order.
   */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      const saved = await this.deps.settings.list(this.deps.account);
      let changed = false;
      for (const s of saved) {
        const slot = this.slots.get(s.plugin);
        if (!slot) continue;
        if (s.enabled) await this.deps.registry.load(slot.name);
        this.adopt(slot);
        const config = slot.def ? this.parseStored(slot.name, slot.def, s.config).config : s.config;
        const same = s.enabled === slot.enabled && JSON.stringify(config) === JSON.stringify(slot.config);
        if (s.order !== slot.order) changed = true;
        slot.order = s.order;
        if (same) continue;
        changed = true;
        slot.enabled = s.enabled;
        slot.config = config;
        const old = slot.instance;
        delete slot.instance;
        if (slot.enabled) slot.instance = await this.setup(slot, slot.config);
        this.recompose();
        await this.dispose(slot, old);
      }
      if (changed) this.recompose();
    });
  }

  /** Put these plugins first, in this order; the others keep their relative order after them. */
  reorder(names: string[]): Promise<void> {
    return this.exclusive(() => {
      for (const n of names) this.slot(n);
      const rest = this.ordered().filter((s) => !names.includes(s.name));
      [...names.map((n) => this.slot(n)), ...rest].forEach((s, i) => (s.order = i));
      this.recompose();
      return this.save();
    });
  }

  /** Whether some plugin on reads the account's own messages (`{ self: true }`): without one, `handle` only notes an own message. */
  get readsOwnMessages(): boolean {
    return this.selfChain !== undefined;
  }

  /**
   * Run one message through the chain and return its decision trace. Never rejects: plugin
   * failures are reported under their names and the chain goes on. `working` hears of answers that
   * go on after the chain returned (`ctx.working`).
   */
  async handle(message: Message, options?: { working?(work: Promise<unknown>): void }): Promise<DecisionTrace> {
    // No chain to run (an own message no plugin reads, or no plugin on): no context either. Every
    // reply of the account comes back as an own message, so this is half of what a busy bot handles.
    if (message.isSelf && !this.selfChain) return this.decided(message, [], false, OWN_MESSAGE);
    if (this.enabledCount === 0) return this.decided(message, [], false, NO_PLUGINS);
    const ctx = new Context(message, this.view, this.deps.log);
    const host = hostState(ctx);
    const steps = host.trace;
    host.errorSink = this.backgroundFailure;
    host.workSink = options?.working;
    try {
      await (message.isSelf ? this.selfChain! : this.chain)(ctx);
    } catch (e) {
      // Boundaries do not reject; this is a host bug worth seeing.
      this.deps.log.error({ err: e }, 'pipeline failed outside any plugin');
    }
    const replied = ctx.replied;
    let why: Explanation | undefined;
    if (!replied) {
      const failed = steps.filter((s) => s.outcome === 'failed' || s.outcome === 'timeout').map((s) => s.plugin);
      const stopped = steps.find((s) => s.outcome === 'stopped');
      why = explain([
        ...(failed.length ? [say(PHRASES, 'trace.failed', { plugins: failed.join(', ') })] : []),
        ...(stopped ? [say(PHRASES, 'trace.stopped', { plugin: stopped.plugin })] : failed.length ? [] : [say(PHRASES, 'trace.no-match')]),
      ]);
    }
    return this.decided(message, steps, replied, why);
  }

  /** The decision trace of a handled message. */
  private decided(message: Message, steps: TraceStep[], replied: boolean, why: Explanation | undefined): DecisionTrace {
    // Every field present (undefined where it does not apply; JSON leaves those out), so that every trace has one
    // shape: traces of another shape first seen mid-burst deoptimised this and the trace writer (issue 17).
    return {
      account: this.deps.account,
      messageId: message.id,
      chatId: message.chatId,
      chatName: chatNameIn(this.deps.bot.directory, message.chatId),
      steps: this.withSkipped(steps, message.isSelf),
      replied,
      reason: why?.reason,
      why: why?.why,
      at: this.deps.clock.now(),
    };
  }

  /**
   * Every installed plugin in chain order: the steps that ran as they are, and for each other
   * plugin why it did not run. The chain stops at the last plugin that ran (a failed or hung
   * plugin is passed on by its boundary), so an enabled plugin after it was not reached.
   */
  private withSkipped(ran: TraceStep[], self: boolean): TraceStep[] {
    const plan = this.skipPlan();
    if (this.allRan(ran, plan)) return ran;
    if (ran.length === 0) return self ? this.plan!.noneRan.self : this.plan!.noneRan.other;
    const last = ran.at(-1);
    const ended = last && last.outcome !== 'failed' && last.outcome !== 'timeout' ? last.plugin : undefined;
    let passedEnd = false;
    const out: TraceStep[] = [];
    for (const entry of plan) {
      const name = entry.name;
      const step = stepOf(ran, name);
      if (step) {
        out.push(step);
        if (name === ended) passedEnd = true;
        continue;
      }
      const shared = self ? entry.step.self : entry.step.other;
      if (shared.skip !== 'not-reached' || !passedEnd || !ended) {
        out.push(shared);
        continue;
      }
      let by = entry.endedBy.get(ended);
      if (!by) entry.endedBy.set(ended, (by = skippedStep(name, 'not-reached', ended)));
      out.push(by);
    }
    return out;
  }

  /** Whether every installed plugin ran, in chain order (the usual case: nothing to add). */
  private allRan(ran: TraceStep[], plan: SkipPlanEntry[]): boolean {
    if (ran.length !== plan.length) return false;
    for (let i = 0; i < ran.length; i++) if (ran[i]!.plugin !== plan[i]!.name) return false;
    return true;
  }

  /** Whether the slots are still as the plan found them (a loop, not `every`: this runs for every message). */
  private planHolds(steps: SkipPlanEntry[]): boolean {
    for (const e of steps) if (e.slot.enabled !== e.enabled || e.slot.instance !== e.instance) return false;
    return true;
  }

  /**
   * Why each plugin, in chain order, would not run on an own message and on another one, decided
   * once per change of the chain (or of the transport's capabilities) rather than per message;
   * 'not-reached' for a plugin that runs when the chain gets to it.
   */
  private skipPlan(): SkipPlanEntry[] {
    const caps = this.deps.bot.capabilities;
    // A plugin being switched on or off changes its slot before the chain is recomposed.
    if (this.plan?.caps === caps && this.planHolds(this.plan.steps)) return this.plan.steps;
    const steps = this.ordered().map((slot): SkipPlanEntry => {
      const inst = slot.instance;
      const fixed: SkipReason | undefined = !slot.enabled
        ? 'disabled'
        : this.applicability(slot.entry).unsupported
          ? 'unsupported'
          : !inst
            ? 'not-set-up'
            : !inst.mws.length && !inst.selfMws.length
              ? 'no-handler'
              : undefined;
      const other: SkipReason = fixed ?? (inst!.mws.length ? 'not-reached' : 'no-handler');
      const self: SkipReason = fixed ?? (inst!.selfMws.length ? 'not-reached' : inst!.mws.length ? 'own-message' : 'no-handler');
      const ownStep = skippedStep(slot.name, self);
      const step = { self: ownStep, other: self === other ? ownStep : skippedStep(slot.name, other) };
      return { slot, enabled: slot.enabled, instance: inst, name: slot.name, step, endedBy: new Map() };
    });
    const noneRan = (self: boolean): TraceStep[] => Object.freeze(steps.map((e) => (self ? e.step.self : e.step.other))) as TraceStep[];
    this.plan = { caps, steps, noneRan: { self: noneRan(true), other: noneRan(false) } };
    return steps;
  }

  /** Dispose every plugin (account stop/remove). */
  async close(): Promise<void> {
    await this.exclusive(async () => {
      for (const u of this.unsubscribe) u();
      this.unsubscribe = [];
      for (const slot of this.ordered()) {
        const old = slot.instance;
        delete slot.instance;
        await this.dispose(slot, old);
      }
      this.recompose();
      this.watchdog.close();
    });
  }

  // ---- internals ----

  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`No plugin named "${name}" is installed`);
    return s;
  }

  /** The slot's definition, its code imported first if need be; throws when it cannot be loaded (the registry's problems say why). */
  private async loaded(slot: Slot): Promise<PluginDefinition> {
    if (!slot.def) {
      await this.deps.registry.load(slot.name);
      this.adopt(slot);
    }
    if (!slot.def) throw new Error(`The code of plugin "${slot.name}" could not be loaded`);
    return slot.def;
  }

  /**
   * Take the definition into a slot that has none yet, once the registry has it loaded: the
   * stored setting becomes the parsed config (defaults filled, secrets opened). True when a stored
   * secret was found unsealed (the caller saves, which seals it).
   */
  private adopt(slot: Slot): boolean {
    if (slot.def) return false;
    const def = this.deps.registry.get(slot.name);
    if (!def) return false;
    const stored = this.parseStored(slot.name, def, slot.config);
    slot.config = stored.config;
    slot.def = def;
    // From now on what the code says (a user plugin's manifest could disagree with it).
    slot.entry = manifestOf(def);
    return stored.plaintext;
  }

  /** A stored setting as the plugin's config: secrets opened, defaults filled (the defaults alone when it no longer fits). */
  private parseStored(name: string, def: PluginDefinition, raw: unknown): { config: unknown; plaintext: boolean } {
    const stored = this.openSecrets(name, raw);
    const parsed = def.config.safeParse(stored.config);
    if (parsed.success) return { config: parsed.data, plaintext: stored.plaintext };
    this.deps.log.warn({ plugin: name, issues: issuesOf(parsed.error) }, 'saved plugin config no longer valid; using defaults');
    const d = def.config.safeParse({});
    return { config: d.success ? d.data : {}, plaintext: stored.plaintext };
  }

  /** The slots in chain order (a copy: callers may keep it across changes). */
  private ordered(): Slot[] {
    this.inOrder ??= [...this.slots.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
    return this.inOrder.slice();
  }

  /** Changes run one at a time so two panel clicks cannot interleave a setup and a dispose. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private save(): Promise<void> {
    const settings: PluginSetting[] = this.ordered().map((s) => ({
      plugin: s.name,
      enabled: s.enabled,
      order: s.order,
      // A plugin whose code was never loaded keeps its setting as stored (sealed).
      config: s.def ? this.sealSecrets(s.name, s.config) : s.config,
    }));
    return this.deps.settings.saveAll(this.deps.account, settings).then(() => this.deps.onSaved?.());
  }

  /** A write-only setting left out of a new config keeps its stored value ("" clears it). */
  private keepSecrets(slot: Slot, config: unknown): unknown {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
    const current = (slot.config ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
    for (const f of this.deps.registry.secretFields(slot.name)) if (out[f] === undefined && current[f] !== undefined) out[f] = current[f];
    return out;
  }

  private sealSecrets(name: string, config: unknown): unknown {
    const box = this.deps.secrets;
    if (!box || typeof config !== 'object' || config === null) return config;
    const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
    for (const f of this.deps.registry.secretFields(name)) if (typeof out[f] === 'string' && out[f] !== '') out[f] = { sealed: box.seal(out[f] as string) };
    return out;
  }

  private openSecrets(name: string, config: unknown): { config: unknown; plaintext: boolean } {
    if (typeof config !== 'object' || config === null) return { config, plaintext: false };
    const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
    let plaintext = false;
    for (const f of this.deps.registry.secretFields(name)) {
      const v = out[f];
      if (typeof v === 'object' && v !== null && typeof (v as { sealed?: unknown }).sealed === 'string') {
        if (!this.deps.secrets) throw new Error(`The ${name} setting ${f} is sealed and no secret key was given to open it`);
        out[f] = this.deps.secrets.open((v as { sealed: string }).sealed);
      } else if (typeof v === 'string' && v !== '' && this.deps.secrets) plaintext = true;
    }
    return { config: out, plaintext };
  }

  /** Compose once per change; the assignment is the atomic swap. */
  private recompose(): void {
    this.inOrder = undefined;
    this.plan = undefined;
    const warn = this.deps.warn === undefined ? developmentWarn : this.deps.warn;
    const opts = (name: string) => ({
      name,
      timeoutMs: this.timeoutMs,
      clock: this.deps.clock,
      watchdog: this.watchdog,
      report: (e: PluginError) => this.report(e),
      warn,
    });
    const chain: BoundaryLayer[] = [];
    const selfChain: BoundaryLayer[] = [];
    let enabled = 0;
    for (const slot of this.ordered()) {
      const inst = slot.instance;
      if (!slot.enabled || !inst) continue;
      enabled++;
      if (inst.mws.length) chain.push({ mw: inst.mws.length === 1 ? inst.mws[0]! : compose(inst.mws, { warn }), options: opts(slot.name) });
      if (inst.selfMws.length) selfChain.push({ mw: compose(inst.selfMws, { warn }), options: opts(slot.name) });
    }
    this.enabledCount = enabled;
    // Each boundary watches its plugin's await itself and passes the message straight to the next one.
    this.chain = boundaryChain(chain);
    this.selfChain = selfChain.length ? boundaryChain(selfChain) : undefined;
  }

  private report(error: PluginError): void {
    const slot = this.slots.get(error.plugin);
    const cause = messageOf(error.cause);
    // A setup failure without a phrase of its own still reads in the panel's language (the cause's text is data).
    const phrased =
      phraseOf(error.cause) ?? (error.kind === 'setup' ? say(PHRASES, 'plugin.setup-failed', { plugin: error.plugin, error: cause }).phrase : undefined);
    if (slot) {
      slot.errors++;
      slot.lastError = error.message;
      slot.lastErrorPhrase = phrased;
    }
    this.pluginLog.error({ plugin: error.plugin, kind: error.kind, err: error.cause }, error.message);
    this.deps.errors
      .record({
        account: this.deps.account,
        plugin: error.plugin,
        kind: error.kind,
        message: cause,
        ...(phrased && { phrase: phrased }),
        ...(error.cause instanceof Error && error.cause.stack !== undefined && { stack: error.cause.stack }),
        ...(error.messageId !== undefined && { messageId: error.messageId }),
        at: this.deps.clock.now(),
      })
      .catch((e: unknown) => this.deps.log.error({ err: e }, 'could not record a plugin error'));
    this.deps.onError?.(error);
  }

  private dispatch<E extends PluginEventName>(event: E, payload: BotEvents[E]): void {
    for (const slot of this.ordered()) {
      const handlers = slot.enabled ? slot.instance?.handlers.get(event) : undefined;
      if (!handlers) continue;
      for (const h of handlers) {
        try {
          const out = (h as (p: BotEvents[E]) => unknown)(payload);
          if (out instanceof Promise) {
            const running = out.catch((e: unknown) => this.report(new PluginError(slot.name, 'event', e))).finally(() => this.handling.delete(running));
            this.handling.add(running);
          }
        } catch (e) {
          this.report(new PluginError(slot.name, 'event', e));
        }
      }
    }
  }

  private async setup(slot: Slot, saved: unknown): Promise<Instance | undefined> {
    const name = slot.name;
    const inst: Instance = { mws: [], selfMws: [], handlers: new Map(), disposers: [] };
    const missing = missingCapabilities(this.deps.bot.capabilities, slot.entry.requires);
    if (missing.length) {
      // Not a crash: the plugin cannot apply to this kind of account, and says why.
      this.report(new PluginError(name, 'setup', new UnsupportedError(missing[0]!, this.deps.bot.capabilities.kind, `plugin ${name}`)));
      return undefined;
    }
    try {
      const def = slot.def;
      if (!def) throw new Error(`The code of plugin "${name}" could not be loaded`);
      const config = fillConfig(saved, this.deps.configDefaults?.[name]);
      const api = this.api(name, config, inst);
      const out = def.setup(api as PluginApi<never>, config as never);
      const disposer = out instanceof Promise ? await this.withTimeout(out, name) : out;
      if (typeof disposer === 'function') inst.disposers.push(disposer);
      delete slot.setupFailure;
      return inst;
    } catch (e) {
      const phrase = phraseOf(e);
      slot.setupFailure = { error: messageOf(e), ...(phrase && { phrase }) };
      this.report(new PluginError(name, 'setup', e));
      await this.dispose(slot, inst);
      return undefined;
    }
  }

  private async dispose(slot: Slot, inst: Instance | undefined): Promise<void> {
    if (!inst) return;
    for (const d of inst.disposers.reverse()) {
      try {
        await this.withTimeout(Promise.resolve(d()), slot.name);
      } catch (e) {
        this.report(new PluginError(slot.name, 'dispose', e));
      }
    }
  }

  private async withTimeout<T>(p: Promise<T>, name: string, limitMs = this.timeoutMs): Promise<T> {
    const ac = new AbortController();
    try {
      return await Promise.race([
        p,
        this.deps.clock.sleep(limitMs, ac.signal).then(() => {
          throw new Error(`plugin ${name} did not finish within ${limitMs} ms`);
        }),
      ]);
    } finally {
      ac.abort();
    }
  }

  private api(name: string, config: unknown, inst: Instance): PluginApi<unknown> {
    const { kv, account, clock } = this.deps;
    const bot = this.view;
    const log = this.deps.log.child({ ns: `plugin:${name}`, plugin: name });
    const scope = `plugin:${name}:${account}`;
    const store: PluginStore = {
      get: <T>(key: string) => kv.get<T>(scope, key),
      set: (key, value) => kv.set(scope, key, value),
      delete: (key) => kv.delete(scope, key),
      list: () => kv.list(scope),
    };
    let http: AxiosInstance | undefined;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the api object is a plain literal handed to plugins
    const host = this;
    return {
      name,
      account,
      config,
      bot,
      contacts: bot.contacts,
      log,
      store,
      clock,
      dataDir: this.deps.dataDir ?? process.cwd(),
      plugins: {
        list: () => host.list().map((p) => ({ name: p.name, enabled: p.enabled, errors: p.errors })),
        enable: (other) => host.enable(other),
        disable: (other) => host.disable(other),
      },
      get http() {
        // The guarded client: private addresses only as the policy allows, on every connection
        // and redirect; no proxy from the environment (the guard would judge the proxy instead).
        const agents = guardedAgents(host.deps.httpPolicy ?? { allowPrivate: false });
        return (http ??= loadAxios().create({ timeout: 30_000, httpAgent: agents.http, httpsAgent: agents.https, proxy: false }));
      },
      use(mw, options = {}) {
        const m = isComposer(mw) ? mw.middleware() : mw;
        inst.mws.push(m);
        if (options.self) inst.selfMws.push(m);
      },
      on(event, handler) {
        if (!PLUGIN_EVENT_NAMES.includes(event)) throw new Error(`api.on: unknown event "${event}"`);
        let list = inst.handlers.get(event);
        if (!list) inst.handlers.set(event, (list = []));
        list.push(handler as (p: never) => unknown);
      },
      send(to, content, options = {}) {
        const body: OutgoingContent = typeof content === 'string' ? { type: 'text', text: content } : content;
        return bot.send(to, body, { source: `plugin:${name}`, ...options });
      },
      onDispose(fn) {
        inst.disposers.push(fn);
      },
    };
  }
}
