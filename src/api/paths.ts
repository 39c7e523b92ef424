/** The paths the HTTP API answers: its routes under `/api/v1` and the signed media links under `/media/`. */
export const API_PREFIX = '/api/v1';

/** @example isApiPath('/api/v1/accounts') === true; isApiPath('/accounts') === false */
export function isApiPath(path: string): boolean {
  return path === API_PREFIX || path.startsWith(API_PREFIX + '/') || path.startsWith('/media/');
}
