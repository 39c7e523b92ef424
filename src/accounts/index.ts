/** The accounts layer: one runtime per account (Bot + PluginHost + scheduling) and the AccountManager. */
export { AccountManager } from './account-manager.js';
export { DEFAULT_CHAT_CONCURRENCY, type AccountManagerDeps, type ManagerStore } from './account-manager-deps.js';
export type { StopTimes } from './account-runner.js';
export { AccountRuntime, type AccountRuntimeDeps } from './account-runtime.js';
export { ChatLanes } from './chat-lanes.js';
export type { AccountCluster } from './account-cluster.js';
export type { NodeOverview, NodeStatus, HolderAsk, HolderAnswers } from './account-cluster.js';
export { HolderSilentError } from './account-cluster.js';
export { VERIFY_ANSWERS, type VerifyAnswer } from './verify-answer.js';
export type { BotInfo, BotEvent, Placement } from '../bot/types.js';
// What a cluster routes for an account run elsewhere (src/cluster reaches the bot layer's types only through here).
export type { SendRouter } from '../bot/send-router.js';
export type { NewOutbound, OutboundRecord } from '../bot/outbound-record.js';
