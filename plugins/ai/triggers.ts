/** When the AI answers, and what the question is once triggers and mentions are stripped. */
import type { AiConfig } from './config.js';

export interface TriggerFacts {
  text: string;
  isGroup: boolean;
  mentionsSelf: boolean;
  /** The text with @-mentions of the bot removed. */
  withoutMention: string;
}

/** The text after `prefix` when it starts with it as a word (`ai what…`, `ai: what…`, `AI，…`). */
export function afterPrefix(text: string, prefix: string): string | undefined {
  const p = prefix.trim();
  if (!p) return undefined;
  const t = text.trimStart();
  if (t.slice(0, p.length).toLocaleLowerCase() !== p.toLocaleLowerCase()) return undefined;
  const rest = t.slice(p.length);
  if (rest !== '' && !/^[\s:：,，]/.test(rest)) return undefined;
  return rest.replace(/^[\s:：,，]+/, '').trim();
}

/**
 * The question to ask, or undefined when this message should not reach the AI.
 *
 * @example
 *   question(config, { text: 'ai: hi', isGroup: true, mentionsSelf: false, withoutMention: 'ai: hi' }); // 'hi'
 */
export function question(config: Pick<AiConfig, 'privateTrigger' | 'groupTriggers' | 'prefix' | 'keywords'>, f: TriggerFacts): string | undefined {
  const nonEmpty = (s: string | undefined): string | undefined => (s && s.trim() ? s.trim() : undefined);
  if (!f.isGroup) {
    if (config.privateTrigger === 'never') return undefined;
    const stripped = afterPrefix(f.text, config.prefix);
    if (config.privateTrigger === 'prefix') return nonEmpty(stripped);
    return nonEmpty(stripped ?? f.text);
  }
  const t = config.groupTriggers;
  if (t.includes('mention') && f.mentionsSelf) return nonEmpty(afterPrefix(f.withoutMention, config.prefix) ?? f.withoutMention);
  if (t.includes('prefix')) {
    const q = afterPrefix(f.withoutMention, config.prefix);
    if (q !== undefined) return nonEmpty(q);
  }
  if (t.includes('keywords')) {
    const low = f.withoutMention.toLocaleLowerCase();
    if (config.keywords.some((k) => k.trim() && low.includes(k.trim().toLocaleLowerCase()))) return nonEmpty(f.withoutMention);
  }
  return undefined;
}
