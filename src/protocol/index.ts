/**
 * The WeChat web-protocol client. Only `createWebTransport` and option types leave this folder;
 * raw wire shapes stay inside.
 */
export { createWebTransport, type WebTransportOptions, type KeepAliveOptions } from './web-transport.js';
export type { Timeouts } from './api.js';
export type { SyncTuning } from './core.js';
export { mentionText } from './send.js';
