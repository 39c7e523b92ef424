/**
 * Auto-reply rules: the zod schema (which also draws the panel form), matching, templates and the
 * JSON import/export the panel offers. Pure functions; the plugin in index.ts wires them to chats.
 */
import { compileUserRegex, inWindow, localTime, parseClockTime, phraseIssue, userRegexProblem, z, type LocalTime } from '../../src/plugin.js';
import { RULE_PHRASES } from './phrases.js';

const clockTime = z
  .string()
  .refine(
    (s) => {
      try {
        parseClockTime(s);
        return true;
      } catch {
        return false;
      }
    },
    phraseIssue(RULE_PHRASES, 'clock-time'),
  )
  .describe('Time of day, HH:MM (24 hours)');

export const replySchema = z
  .object({
    type: z.enum(['text', 'image', 'file']).default('text').describe('What to send'),
    text: z.string().default('').describe('For text: the message. Placeholders: {sender}, {room}, {time}, {date}, regex groups {1} or {name}'),
    source: z.string().default('').describe('For image/file: an http(s) URL, a data: URL, or a path inside the data folder'),
    fileName: z.string().default('').describe('For image/file: the name to send (default: taken from the source)'),
  })
  .superRefine((r, ctx) => {
    if (r.type === 'text' && !r.text.trim()) ctx.addIssue({ code: 'custom', path: ['text'], ...phraseIssue(RULE_PHRASES, 'text-needs-text') });
    if (r.type !== 'text' && !r.source.trim())
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        ...phraseIssue(RULE_PHRASES, 'file-needs-source', { type: r.type }),
      });
  });

export const ruleSchema = z
  .object({
    name: z.string().default('').describe('A label for the panel and the logs'),
    enabled: z.boolean().default(true),
    match: z.enum(['exact', 'contains', 'starts-with', 'regex']).default('contains').describe('How the pattern is compared with the message'),
    pattern: z.string().min(1, 'a rule needs a pattern').describe('The text to look for, or a regular expression'),
    ignoreCase: z.boolean().default(true).describe('Compare without regard to upper/lower case'),
    scope: z
      .enum(['all', 'private', 'groups', 'chats'])
      .default('all')
      .describe('Where the rule applies: all chats, private chats, all groups, or only the chats listed'),
    chats: z.array(z.string()).default([]).describe('For scope "chats": room topics, contact names or ids'),
    mentionOnly: z.boolean().default(false).describe('In groups, only answer when the bot is @mentioned'),
    replies: z.array(replySchema).min(1, 'a rule needs at least one reply').describe('One is picked at random'),
    probability: z.number().min(0).max(1).default(1).describe('Chance of answering (0–1)'),
    cooldownSeconds: z.number().int().min(0).default(0).describe('Silence in the same chat after this rule answered'),
    windows: z
      .array(
        z.object({
          days: z.array(z.number().int().min(0).max(6)).default([]).describe('0 = Sunday; empty = every day'),
          from: clockTime,
          to: clockTime,
        }),
      )
      .default([])
      .describe('Only answer inside these times (empty = always)'),
    priority: z.number().int().default(0).describe('Higher goes first; equal priorities keep list order'),
  })
  .superRefine((r, ctx) => {
    // Refused at save time, so a rule that could freeze the server never reaches the pipeline.
    const problem = r.match === 'regex' ? userRegexProblem(r.pattern) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['pattern'], ...phraseIssue(RULE_PHRASES, 'bad-regex', { problem }) });
    if (r.scope === 'chats' && r.chats.length === 0) ctx.addIssue({ code: 'custom', path: ['chats'], ...phraseIssue(RULE_PHRASES, 'chats-needs-chat') });
  });

export const rulesSchema = z.array(ruleSchema);
export type Rule = z.infer<typeof ruleSchema>;
export type Reply = z.infer<typeof replySchema>;

/** Where a message came from, as rules see it. */
export interface MessageFacts {
  text: string;
  isGroup: boolean;
  mentionsSelf: boolean;
  /** Whether the chat is in the rule's `chats` list (computed by the caller). */
  inChats: (entries: readonly string[]) => boolean;
  at: LocalTime;
}

/** The match of a rule against a text: `groups` has numbered and named regex groups. */
export interface RuleMatch {
  groups: Record<string, string>;
}

// Compiled once per pattern and case mode; a config change brings new patterns, old ones age out.
const cache = new Map<string, ReturnType<typeof compileUserRegex>>();
function compiled(pattern: string, ignoreCase: boolean): ReturnType<typeof compileUserRegex> {
  const key = `${ignoreCase ? 'i' : '-'}${pattern}`;
  let re = cache.get(key);
  if (!re) {
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    re = compileUserRegex(pattern, { ignoreCase });
    cache.set(key, re);
  }
  return re;
}

/** Whether `rule` matches `text` (pattern only). Returns the regex groups, or undefined. */
export function matchPattern(rule: Pick<Rule, 'match' | 'pattern' | 'ignoreCase'>, text: string): RuleMatch | undefined {
  const fold = (s: string): string => (rule.ignoreCase ? s.toLocaleLowerCase() : s);
  const t = fold(text.trim());
  const p = fold(rule.pattern);
  switch (rule.match) {
    case 'exact':
      return t === p.trim() ? { groups: {} } : undefined;
    case 'contains':
      return t.includes(p) ? { groups: {} } : undefined;
    case 'starts-with':
      return t.startsWith(p) ? { groups: {} } : undefined;
    case 'regex': {
      const m = compiled(rule.pattern, rule.ignoreCase).exec(text);
      if (!m) return undefined;
      const groups: Record<string, string> = { 0: m[0] };
      m.forEach((g, i) => {
        if (i > 0) groups[String(i)] = g ?? '';
      });
      for (const [k, v] of Object.entries(m.groups ?? {})) groups[k] = v ?? '';
      return { groups };
    }
  }
}

/** Whether the rule applies to this message at all (enabled, scope, mention, time windows). */
export function ruleApplies(rule: Rule, facts: MessageFacts): boolean {
  if (!rule.enabled) return false;
  if (rule.scope === 'private' && facts.isGroup) return false;
  if (rule.scope === 'groups' && !facts.isGroup) return false;
  if (rule.scope === 'chats' && !facts.inChats(rule.chats)) return false;
  if (rule.mentionOnly && facts.isGroup && !facts.mentionsSelf) return false;
  return rule.windows.length === 0 || rule.windows.some((w) => inWindow(w, facts.at));
}

/** Rules by priority (highest first), list order kept among equals. */
export function byPriority(rules: readonly Rule[]): Rule[] {
  return rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.priority - a.r.priority || a.i - b.i)
    .map((x) => x.r);
}

/**
 * Fill `{sender}`, `{room}`, `{time}`, `{date}` and regex groups (`{1}`, `{name}`). Unknown
 * placeholders stay as written so a typo is visible in the reply rather than silently dropped.
 *
 * @example
 *   fillTemplate('Hi {sender}, it is {time}', { sender: 'Ann', time: '09:00' }); // 'Hi Ann, it is 09:00'
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([\p{L}\p{N}_]+)\}/gu, (whole, key: string) => values[key] ?? whole);
}

export { localTime };

/**
 * Parse rules from JSON (what `exportRules` wrote, or a hand-written array). Throws an Error whose
 * message lists every problem with its place (`rule 2 › replies › 0 › text: …`); nothing is half-applied.
 */
export function parseRules(json: string): Rule[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new Error(`rules are not valid JSON: ${(err as Error).message}`);
  }
  if (data && typeof data === 'object' && !Array.isArray(data) && 'rules' in data) data = (data as { rules: unknown }).rules;
  const result = rulesSchema.safeParse(data);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    const [first, ...rest] = i.path;
    const where = typeof first === 'number' ? [`rule ${first + 1}`, ...rest.map(String)] : i.path.map(String);
    return `${where.length ? where.join(' › ') + ': ' : ''}${i.message}`;
  });
  throw new Error(`invalid rules:\n${lines.join('\n')}`);
}

/** The rules as pretty JSON (a plain array, the same shape as the plugin's `rules` setting). */
export function exportRules(rules: readonly Rule[]): string {
  return JSON.stringify(rulesSchema.parse(rules), null, 2);
}
