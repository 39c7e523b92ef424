/**
 * What a thrown value says, for logs, traces and API answers. JavaScript lets code throw anything
 * (a string, `undefined`, a plain object), so every catch that reports must cope with non-Errors.
 */

/** The message of an Error, or the thrown value as text. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The thrown value as an Error, for emitters and rejections that must carry one. */
export const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
