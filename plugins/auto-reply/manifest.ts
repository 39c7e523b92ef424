/** What the server knows of auto-reply before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'auto-reply',
  description: 'Answers messages by keyword or pattern rules, with scope, templates, cooldowns and time windows',
  chainPosition: 10,
};
