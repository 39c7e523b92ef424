/**
 * Whether the operator gave one of some V8 flags on the command line or in NODE_OPTIONS: the
 * server's own heap settings (young-generation.ts, old-generation.ts) then stand aside.
 */

/** `names` without the leading dashes, e.g. 'max-semi-space-size'; V8 accepts `_` for `-` too. */
export function flagGivenByOperator(names: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const given = names.map((n) => new RegExp(`--${n.replace(/-/g, '[-_]')}(=|\\s|$)`));
  const args = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  return args.some((a) => given.some((g) => g.test(a)));
}
