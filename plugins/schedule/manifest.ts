/** What the server knows of schedule before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'schedule',
  description: 'Sends messages to chats on cron expressions or at a given time, once per occurrence across restarts',
};
