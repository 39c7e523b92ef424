/**
 * A raw iLink wire speaker for the sandbox tests: plain HTTP(S) requests with the official
 * headers (ilink.md §2.3), no client library, so the tests see exactly what goes on the wire.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes, createCipheriv, createDecipheriv } from 'node:crypto';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: () => Record<string, unknown>;
}

export interface RawOptions {
  method?: string;
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  /** Sent as the Host header (the logical host). */
  host?: string;
  ca?: string;
  /** TLS SNI / certificate name. */
  servername?: string;
  timeoutMs?: number;
}

export function wechatUin(): string {
  return Buffer.from(String(randomBytes(4).readUInt32BE(0)), 'utf8').toString('base64');
}

export function raw(origin: string, path: string, o: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(path, origin);
  const method = o.method ?? (o.body === undefined ? 'GET' : 'POST');
  const payload = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string> = {
    'iLink-App-Id': 'bot',
    'iLink-App-ClientVersion': '132099',
    ...(method === 'POST' ? { 'Content-Type': 'application/json', AuthorizationType: 'ilink_bot_token', 'X-WECHAT-UIN': wechatUin() } : {}),
    ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}),
    ...(o.host ? { Host: o.host } : {}),
    ...(payload ? { 'Content-Length': String(payload.length) } : {}),
    ...o.headers,
  };
  const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requester(
      url,
      { method, headers, ...(o.ca ? { ca: o.ca } : {}), ...(o.servername ? { servername: o.servername } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) as Record<string, unknown> });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error('client timeout')));
    if (payload) req.write(payload);
    req.end();
  });
}

export const BASE_INFO = { channel_version: '2.4.3', bot_agent: 'raw-test/1.0' };

/** POST an authenticated API call with base_info. */
export function api(origin: string, endpoint: string, token: string | undefined, body: Record<string, unknown> = {}, o: RawOptions = {}): Promise<RawResponse> {
  return raw(origin, `/ilink/bot/${endpoint}`, { ...o, body: { ...body, base_info: BASE_INFO }, ...(token ? { token } : {}) });
}

export interface Login {
  token: string;
  botId: string;
  userId: string;
  baseurl?: string;
}

/** Create a QR, let the control API confirm it, and read the confirmed status. */
export async function login(origin: string, confirm: (qrcode: string) => Promise<unknown>): Promise<Login> {
  const qr = (await raw(origin, '/ilink/bot/get_bot_qrcode?bot_type=3', { body: { local_token_list: [] } })).json();
  await confirm(qr.qrcode as string);
  const st = (await raw(origin, `/ilink/bot/get_qrcode_status?qrcode=${qr.qrcode as string}`)).json();
  if (st.status !== 'confirmed') throw new Error(`login: status ${String(st.status)}`);
  return {
    token: st.bot_token as string,
    botId: st.ilink_bot_id as string,
    userId: st.ilink_user_id as string,
    ...(st.baseurl ? { baseurl: st.baseurl as string } : {}),
  };
}

export function textMsg(
  to: string,
  text: string,
  contextToken?: string,
  clientId = `test:${Date.now()}-${randomBytes(4).toString('hex')}`,
): Record<string, unknown> {
  return {
    msg: {
      from_user_id: '',
      to_user_id: to,
      client_id: clientId,
      message_type: 2,
      message_state: 2,
      item_list: [{ type: 1, text_item: { text } }],
      ...(contextToken ? { context_token: contextToken } : {}),
    },
  };
}

export function ecbEncrypt(plain: Buffer, key: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  return Buffer.concat([c.update(plain), c.final()]);
}

export function ecbDecrypt(cipher: Buffer, key: Buffer): Buffer {
  const d = createDecipheriv('aes-128-ecb', key, null);
  return Buffer.concat([d.update(cipher), d.final()]);
}

export type WireMsg = Record<string, unknown> & { context_token: string; item_list: Record<string, Record<string, unknown>>[] };

/** A logged-in bot that keeps its cursor: poll, and let the owner speak and see it arrive. */
export class BotSession {
  cursor = '';
  constructor(
    readonly origin: string,
    readonly control: { sendMessage(m: { text: string }): Promise<unknown> },
    readonly me: Login,
  ) {}

  async poll(): Promise<WireMsg[]> {
    const j = (await api(this.origin, 'getupdates', this.me.token, { get_updates_buf: this.cursor })).json();
    if (j.get_updates_buf) this.cursor = j.get_updates_buf as string;
    return (j.msgs ?? []) as WireMsg[];
  }

  /** The owner writes `text`; returns the message as the bot receives it. */
  async speak(text: string): Promise<WireMsg> {
    await this.control.sendMessage({ text });
    const m = (await this.poll()).find((x) => x.item_list[0]?.text_item?.text === text);
    if (!m) throw new Error(`the bot did not receive ${text}`);
    return m;
  }
}
