/** The HTTP API (`/api/v1`, bearer tokens) and its token store. */
export { createApiMiddleware, API_PREFIX, type ApiMiddleware } from './middleware.js';
export type { ApiToken } from './api-token.js';
export type { ApiTokensRepo as ApiTokens } from '../store/index.js';
export { openApiDocument } from './openapi.js';
export { ApiError } from './errors.js';
export type { ApiDeps, ApiBot, ApiManager, ApiRegistry } from './types.js';
export type { RateLimitOptions } from './rate-limit.js';
