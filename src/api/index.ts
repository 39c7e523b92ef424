/** The HTTP API (`/api/v1`, bearer tokens) and its token store. */
export { createApiMiddleware, API_PREFIX, type ApiMiddleware } from './middleware.js';
export { createApiTokens, type ApiTokens, type ApiToken } from './tokens-repo.js';
export { openApiDocument } from './openapi.js';
export { ApiError } from './errors.js';
export type { ApiDeps, ApiBot, ApiManager, ApiRegistry } from './types.js';
export type { RateLimitOptions } from './rate-limit.js';
