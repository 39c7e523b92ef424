/** What the server knows of forward before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'forward',
  description: 'Relays messages between chats with filters and a source prefix, without loops',
  chainPosition: 20,
  requires: ['forward'],
};
