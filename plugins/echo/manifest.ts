/** What the server knows of echo before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'echo',
  description: 'Replies with the same text to every text message no other plugin answered (demo, tests and benchmarks).',
  chainPosition: 100,
};
