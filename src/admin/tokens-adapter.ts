/** API tokens (src/api's ApiTokens) as the panel uses them: create (shown once), list, revoke. */
import type { ApiTokens } from '../api/index.js';

export interface TokenView {
  id: string;
  name: string;
  createdAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
  publicId?: string;
  readOnly?: boolean;
  source?: 'panel' | 'config';
}

export interface TokensAdapter {
  list(): Promise<TokenView[]>;
  create(name: string, options?: { readOnly?: boolean }): Promise<{ token: string; record: TokenView }>;
  revoke(id: string): Promise<void>;
}

function isTokens(s: unknown): s is ApiTokens {
  const t = s as Partial<ApiTokens> | undefined;
  return !!t && typeof t.list === 'function' && typeof t.create === 'function' && typeof t.revoke === 'function';
}

/** Wrap the API token store, or undefined when none was given (the page then says so). */
export function adaptTokens(service: unknown): TokensAdapter | undefined {
  if (!isTokens(service)) return undefined;
  return {
    list: () => service.list(),
    create: async (name, options) => service.create(name, options),
    revoke: async (id) => {
      if (!(await service.revoke(id))) throw Object.assign(new Error('no such token'), { status: 404, expose: true });
    },
  };
}
