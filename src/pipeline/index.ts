/**
 * The pipeline's host side: what runs plugins (PluginHost, PluginRegistry, config checks) for the
 * accounts layer, the API and the panel. Plugins import src/plugin.ts (`weiroto/plugin`) instead.
 */
export { compose, type Middleware, type Next, type ComposeOptions } from './compose.js';
export { PluginError, ValidationError, type PluginDefinition, type PluginManifest, type ConfigIssue } from './plugin.js';
export type { PluginForm, FieldMeta, ItemMeta, Localized, Widget } from './plugin-form.js';
export { checkConfig, describeIssues, unknownKeys, nearestKey } from './config-check.js';
export { PluginHost, type PluginHostDeps, type PluginInfo, type ProbeResult } from './plugin-host.js';
export { PluginRegistry, builtinPluginDir, type PluginLoadProblem, type RegistryLoadOptions } from './plugin-registry.js';
export type { DecisionTrace, TraceStep } from './trace.js';
