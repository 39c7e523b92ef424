/** What the server knows of room-welcome before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'room-welcome',
  description: 'Greets people who join a room, with a template per room',
  requires: ['rooms'],
};
