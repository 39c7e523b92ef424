/**
 * A tiny raw web-protocol client for sandbox tests and the benchmark: plain fetch, one cookie map,
 * logical hosts sent as X-Wechat-Host (endpoint mode). Deliberately independent of src/protocol.
 */
import type { SandboxControl } from '../../src/sandbox/control-client.js';

type Body = NonNullable<RequestInit['body']>;
export type WireJson = Record<string, unknown> & { BaseResponse: { Ret: number; ErrMsg: string } };

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): WireJson;
}

export class RawClient {
  cookies = new Map<string, string>();
  uuid = '';
  skey = '';
  sid = '';
  uin = '';
  passTicket = '';
  webHost = '';
  family = '';
  user = '';
  syncKey: { Count: number; List: { Key: number; Val: number }[] } = { Count: 0, List: [] };
  checkKey = '';

  constructor(readonly origin: string) {}

  hosts(): { web: string; push: string; file: string; login: string } {
    const w = this.webHost;
    return { web: w, push: `webpush.${w}`, file: `file.${w}`, login: `login.${w}` };
  }

  async request(
    host: string,
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: Body; redirect?: 'manual' } = {},
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { 'x-wechat-host': host, ...(init.headers ?? {}) };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: Body | undefined = init.raw;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json;charset=UTF-8';
    }
    const res = await fetch(this.origin + path, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const m = /^([^=]+)=([^;]*)/.exec(line);
      if (m) this.cookies.set(m[1] as string, m[2] as string);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  base(): Record<string, unknown> {
    return { Uin: Number(this.uin), Sid: this.sid, Skey: this.skey, DeviceID: 'e123456789012345' };
  }

  async jslogin(): Promise<string> {
    const r = await this.request(
      'login.wx.qq.com',
      '/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN&redirect_uri=https%3A%2F%2Fwx.qq.com%2Fcgi-bin%2Fmmwebwx-bin%2Fwebwxnewloginpage&_=1',
    );
    const m = /uuid = "([^"]+)"/.exec(r.text);
    if (!m) throw new Error(`bad jslogin body ${r.text}`);
    this.uuid = m[1] as string;
    return this.uuid;
  }

  async poll(tip = 0): Promise<string> {
    const r = await this.request('login.wx.qq.com', `/cgi-bin/mmwebwx-bin/login?loginicon=true&uuid=${encodeURIComponent(this.uuid)}&tip=${tip}&r=-1&_=1`);
    return r.text;
  }

  /** Follow redirect_uri: newloginpage, then remember secrets. */
  async newLoginPage(redirect: string): Promise<RawResponse> {
    const u = new URL(redirect);
    this.webHost = u.host;
    const r = await this.request(u.host, `${u.pathname}${u.search}&fun=new&version=v2`);
    const get = (tag: string): string => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(r.text)?.[1] ?? '';
    this.skey = get('skey');
    this.sid = get('wxsid');
    this.uin = get('wxuin');
    this.passTicket = get('pass_ticket');
    return r;
  }

  /** Full login driven through the control API, then init + statusnotify. */
  async login(control: SandboxControl, account?: string): Promise<void> {
    await this.jslogin();
    await control.scan({ uuid: this.uuid, ...(account ? { account } : {}) });
    await control.confirm({ uuid: this.uuid });
    let body = await this.poll(1);
    while (!body.startsWith('window.code=200;')) body = await this.poll(0);
    const redirect = /redirect_uri="([^"]+)"/.exec(body)?.[1] as string;
    await this.newLoginPage(redirect);
    await this.init();
  }

  async init(): Promise<WireJson> {
    const r = await this.request(this.webHost, `/cgi-bin/mmwebwx-bin/webwxinit?r=-1&pass_ticket=${this.passTicket}`, { body: { BaseRequest: this.base() } });
    const j = r.json();
    if (j.BaseResponse.Ret === 0) {
      this.user = (j.User as { UserName: string }).UserName;
      this.syncKey = j.SyncKey as typeof this.syncKey;
      this.checkKey = this.syncKey.List.map((k) => `${k.Key}_${k.Val}`).join('|');
    }
    return j;
  }

  async synccheck(key = this.checkKey): Promise<string> {
    const q = `r=1&skey=${encodeURIComponent(this.skey)}&sid=${encodeURIComponent(this.sid)}&uin=${this.uin}&deviceid=e1&synckey=${encodeURIComponent(key)}&_=1`;
    return (await this.request(this.hosts().push, `/cgi-bin/mmwebwx-bin/synccheck?${q}`)).text;
  }

  async sync(): Promise<WireJson> {
    const r = await this.request(
      this.webHost,
      `/cgi-bin/mmwebwx-bin/webwxsync?sid=${encodeURIComponent(this.sid)}&skey=${encodeURIComponent(this.skey)}&lang=zh_CN&pass_ticket=${this.passTicket}`,
      { body: { BaseRequest: this.base(), SyncKey: this.syncKey, rr: -1 } },
    );
    const j = r.json();
    if (j.BaseResponse.Ret === 0) {
      const sk = j.SyncKey as typeof this.syncKey;
      if (sk.Count > 0) this.syncKey = sk;
      const ck = j.SyncCheckKey as typeof this.syncKey | undefined;
      if (ck && ck.Count > 0) this.checkKey = ck.List.map((k) => `${k.Key}_${k.Val}`).join('|');
    }
    return j;
  }

  async post(path: string, body: Record<string, unknown>, host = this.webHost): Promise<RawResponse> {
    const sep = path.includes('?') ? '&' : '?';
    return this.request(host, `/cgi-bin/mmwebwx-bin/${path}${sep}pass_ticket=${this.passTicket}&lang=zh_CN`, { body: { BaseRequest: this.base(), ...body } });
  }

  async sendText(to: string, text: string): Promise<WireJson & { MsgID: string; LocalID: string }> {
    const id = String(Date.now()) + '0000';
    const r = await this.post('webwxsendmsg', {
      Msg: { Type: 1, Content: text, FromUserName: this.user, ToUserName: to, LocalID: id, ClientMsgId: id },
      Scene: 0,
    });
    return r.json() as WireJson & { MsgID: string; LocalID: string };
  }
}
