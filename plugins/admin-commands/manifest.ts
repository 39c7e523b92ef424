/** What the server knows of admin-commands before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'admin-commands',
  description: 'Owner-only chat commands: help, status, plugins, enable/disable, pause/resume',
  chainPosition: 0,
};
