/** What the server knows of friends before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'friends',
  description: 'Accepts friend requests by keyword with a welcome, and invites people into rooms by keyword',
  chainPosition: 30,
  requires: ['friend-requests', 'rooms'],
};
