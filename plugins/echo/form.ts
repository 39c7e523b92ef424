/** The echo settings page, in English and Chinese. */
import { mentionOnly, type PluginForm } from '../../src/plugin.js';

export const form: PluginForm<{ prefix: string; groupsNeedMention: boolean }> = {
  title: { en: 'Echo', zh: '复读' },
  description: { en: 'Replies to every text message with the same text (tests and benchmarks).', zh: '把每条文字消息原样回复（用于测试和基准测试）。' },
  fields: {
    prefix: { label: { en: 'Prefix', zh: '前缀' }, help: { en: 'Text put before the echoed text', zh: '加在复读文字前面' }, widget: 'text' },
    groupsNeedMention: mentionOnly,
  },
};
