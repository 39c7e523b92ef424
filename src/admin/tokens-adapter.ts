/** API tokens (src/api) as the panel uses them: create (shown once), list, revoke. */
export interface TokenView {
  id: string;
  name: string;
  createdAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
  prefix?: string;
}

export interface TokensAdapter {
  list(): TokenView[];
  create(name: string): Promise<{ token: string; record: TokenView }>;
  revoke(id: string): Promise<void>;
}

type Fn = (...args: unknown[]) => unknown;

/** Wrap the API token service, or undefined when none was given. */
export function adaptTokens(service: unknown): TokensAdapter | undefined {
  if (!service || typeof service !== 'object') return undefined;
  const svc = service as Record<string, Fn>;
  if (typeof svc.list !== 'function' || typeof svc.create !== 'function' || typeof svc.revoke !== 'function') return undefined;
  return {
    list: () => svc.list!.call(service) as TokenView[],
    create: async (name) => (await svc.create!.call(service, { name })) as { token: string; record: TokenView },
    revoke: async (id) => void (await svc.revoke!.call(service, id)),
  };
}
