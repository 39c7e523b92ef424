/** What the AI plugin says about its endpoint's failures, in English and Chinese (see src/util/phrase.ts). */
import type { PhraseBook } from '../../src/plugin.js';

export const AI_PHRASES = {
  'not-configured': { en: 'the AI endpoint has no base URL or model set', zh: 'AI 接口还没有设置地址或模型' },
  cancelled: { en: 'the request was cancelled', zh: '请求已取消' },
  timeout: {
    en: 'the AI endpoint did not answer within {seconds} s (a slow model, or raise timeoutSeconds)',
    zh: 'AI 接口 {seconds} 秒内没有回答（模型太慢，或把“超时”调大）',
  },
  'unreachable.refused': {
    en: 'cannot reach the AI endpoint {url}: connection refused: nothing answers there (is the model server running?) ({exact})',
    zh: '连不上 AI 接口 {url}：连接被拒绝，那里没有服务在应答（模型服务器在运行吗？）（{exact}）',
  },
  'unreachable.dns': {
    en: 'cannot reach the AI endpoint {url}: the host name does not resolve (check the base URL, DNS or proxy) ({exact})',
    zh: '连不上 AI 接口 {url}：主机名无法解析（请检查接口地址、DNS 或代理）（{exact}）',
  },
  'unreachable.cut': {
    en: 'cannot reach the AI endpoint {url}: the connection was cut (a proxy or firewall in between?) ({exact})',
    zh: '连不上 AI 接口 {url}：连接被中断（中间有代理或防火墙？）（{exact}）',
  },
  'unreachable.timeout': { en: 'cannot reach the AI endpoint {url}: the connection timed out ({exact})', zh: '连不上 AI 接口 {url}：连接超时（{exact}）' },
  'unreachable.tls': {
    en: 'cannot reach the AI endpoint {url}: the TLS certificate was not accepted ({exact})',
    zh: '连不上 AI 接口 {url}：TLS 证书未被接受（{exact}）',
  },
  'unreachable.other': {
    en: 'cannot reach the AI endpoint {url}: the request did not get through ({exact})',
    zh: '连不上 AI 接口 {url}：请求没有送达（{exact}）',
  },
  'rate-limited': { en: 'the AI endpoint is rate limiting (429)', zh: 'AI 接口正在限流（429）' },
  'http.key': { en: 'the AI endpoint refused the API key ({status}){detail}', zh: 'AI 接口拒绝了 API 密钥（{status}）{detail}' },
  'http.model': {
    en: 'the AI endpoint does not know the model "{model}" or the base URL is wrong (404){detail}',
    zh: 'AI 接口不认识模型“{model}”，或接口地址不对（404）{detail}',
  },
  'http.server': { en: 'the AI endpoint failed on its side ({status}){detail}', zh: 'AI 接口自身出错（{status}）{detail}' },
  'http.other': { en: 'the AI endpoint answered {status}{detail}', zh: 'AI 接口返回 {status}{detail}' },
  'bad-response': { en: 'the AI endpoint answered without choices[0].message.content', zh: 'AI 接口的回答里没有 choices[0].message.content' },
} satisfies PhraseBook;
