/**
 * The server's phrase book (see phrase.ts): every sentence the server itself says to a person about
 * settings, plugins and traces, in English and Chinese. Plugins keep theirs in their definition's
 * `phrases`.
 */
import type { PhraseBook } from './phrase.js';

export const PHRASES = {
  // Why nothing replied to a message (the decision trace).
  'trace.own-message': { en: 'own message: no plugin asked for self messages', zh: '自己发的消息：没有插件要处理自己的消息' },
  'trace.no-plugins': { en: 'no plugins enabled', zh: '没有开启任何插件' },
  'trace.failed': { en: 'failed: {plugins}', zh: '出错：{plugins}' },
  'trace.stopped': { en: 'stopped by {plugin} without a reply', zh: '{plugin} 结束了处理，没有回复' },
  'trace.no-match': { en: 'no plugin matched', zh: '没有插件匹配' },

  // A setting the schema does not know.
  'config.unknown-setting': { en: 'unknown setting "{key}"', zh: '没有名为“{key}”的设置' },
  'config.unknown-setting-near': { en: 'unknown setting "{key}" (did you mean "{near}"?)', zh: '没有名为“{key}”的设置（是不是“{near}”？）' },

  // The AI plugin's endpoint, checked against the deployment's (src/pipeline/config-defaults.ts).
  'config.bad-url': { en: '{problem}', zh: '网址无效（{problem}）' },
  'config.ai-key-elsewhere': {
    en: "baseUrl {url} is not AI_BASE_URL: the deployment's AI_API_KEY is only sent to AI_BASE_URL. Give this account its own apiKey, or leave baseUrl empty.",
    zh: '接口地址 {url} 不是 AI_BASE_URL：部署的 AI_API_KEY 只发给 AI_BASE_URL。请给这个账号填自己的 API 密钥，或把接口地址留空。',
  },
  'config.private-url': {
    en: '{problem} Local model servers are allowed through AI_BASE_URL or ALLOW_PRIVATE_ORIGINS.',
    zh: '内网或本机地址已被拒绝（{problem}）。本地模型服务可通过 AI_BASE_URL 或 ALLOW_PRIVATE_ORIGINS 放行。',
  },

  // zod's own checks, by issue code (and origin), for settings of any plugin.
  'schema.required': { en: 'must not be empty', zh: '不能为空' },
  'schema.invalid_type': { en: 'expected {expected}', zh: '类型不对（应为 {expected}）' },
  'schema.invalid_type.string': { en: 'expected text', zh: '应为文字' },
  'schema.invalid_type.number': { en: 'expected a number', zh: '应为数字' },
  'schema.invalid_type.int': { en: 'expected a whole number', zh: '应为整数' },
  'schema.invalid_type.boolean': { en: 'expected on or off', zh: '应为开或关' },
  'schema.invalid_type.array': { en: 'expected a list', zh: '应为列表' },
  'schema.invalid_type.object': { en: 'expected a group of settings', zh: '应为一组设置' },
  'schema.too_small.string': { en: 'at least {minimum} characters', zh: '至少 {minimum} 个字符' },
  'schema.too_small.array': { en: 'at least {minimum} items', zh: '至少 {minimum} 项' },
  'schema.too_small.number': { en: 'at least {minimum}', zh: '不能小于 {minimum}' },
  'schema.too_small.number-exclusive': { en: 'more than {minimum}', zh: '必须大于 {minimum}' },
  'schema.too_big.string': { en: 'at most {maximum} characters', zh: '最多 {maximum} 个字符' },
  'schema.too_big.array': { en: 'at most {maximum} items', zh: '最多 {maximum} 项' },
  'schema.too_big.number': { en: 'at most {maximum}', zh: '不能大于 {maximum}' },
  'schema.too_big.number-exclusive': { en: 'less than {maximum}', zh: '必须小于 {maximum}' },
  'schema.invalid_value': { en: 'expected one of {values}', zh: '应为其中之一：{values}' },
  'schema.invalid_format': { en: 'not a valid {format}', zh: '格式不对（应为 {format}）' },
  'schema.not_multiple_of': { en: 'must be a multiple of {divisor}', zh: '必须是 {divisor} 的倍数' },
  'schema.invalid': { en: 'invalid value', zh: '值无效' },

  // The plugin host.
  'plugin.no-probe': { en: 'plugin {plugin} has no connection test', zh: '插件 {plugin} 没有连接测试' },
  'plugin.setup-failed': { en: 'plugin {plugin} failed to set up: {error}', zh: '插件 {plugin} 初始化失败：{error}' },

  // The plugin registry: plugins found but not loaded.
  'plugin.load.no-export': {
    en: '{what} must export `plugin` = definePlugin({ name, description, config, setup })',
    zh: '{what} 必须导出 `plugin` = definePlugin({ name, description, config, setup })',
  },
  'plugin.load.failed': { en: 'could not be loaded: {error}', zh: '无法加载：{error}' },
  'plugin.load.no-folder': { en: 'plugin folder does not exist', zh: '插件文件夹不存在' },
} satisfies PhraseBook;

export type ServerPhrase = keyof typeof PHRASES;
