/** The pipeline's public surface. Plugins import ONLY from here. */
export { compose, type Middleware, type Next, type ComposeOptions } from './compose.js';
export { Context, UserError } from './context.js';
export { Composer, type Predicate } from './composer.js';
export {
  definePlugin,
  PluginError,
  ValidationError,
  type PluginApi,
  type PluginDefinition,
  type ConfigIssue,
  type PluginDisposer,
  type PluginEventName,
  type PluginEventHandler,
  type PluginStore,
  type UseOptions,
} from './plugin.js';
export type { PluginForm, FieldMeta, ItemMeta, Localized, Widget } from './plugin-form.js';
export { checkConfig, describeIssues, unknownKeys, nearestKey } from './config-check.js';
export { PluginHost, type PluginHostDeps, type PluginInfo, type ProbeResult } from './plugin-host.js';
export { PluginRegistry, builtinPluginDir, type PluginLoadProblem, type RegistryLoadOptions } from './plugin-registry.js';
export type { BotHandle, DirectoryView, OutboundRecord, OutgoingContent, SendOptions, SendTarget } from '../bot/types.js';
export type { BotEvents } from '../bot/events.js';
export type { Contact, Message, MessageType, Room, RoomMember, FriendRequest } from '../transport/model.js';
export type { FileToSend } from '../transport/transport.js';
export type { DecisionTrace, TraceStep } from './trace.js';
export type { Capability } from '../transport/capabilities.js';
