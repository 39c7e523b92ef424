/** What the server knows of ai before its code loads (index.ts spreads it into definePlugin). */
import type { PluginManifest } from '../../src/plugin.js';

export const manifest: PluginManifest = {
  name: 'ai',
  description: 'Answers with an OpenAI-compatible model, remembering each conversation',
  chainPosition: 70,
  testable: true,
};
