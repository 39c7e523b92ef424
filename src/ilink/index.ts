/** The iLink transport (WeChat's official bot API); raw wire shapes stay inside this folder. */
export { IlinkTransport, createIlinkTransport, DEFAULT_ILINK_TUNING, ILINK_DEFAULT_BASE_URL, ILINK_DEFAULT_CDN_URL } from './ilink-transport.js';
export type { IlinkTransportOptions, IlinkTuning } from './ilink-transport.js';
export { memorySeenStore, type SeenStore } from './dedupe.js';
export { holdReason, type HoldReason } from './peers.js';
