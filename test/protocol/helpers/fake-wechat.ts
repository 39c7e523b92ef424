/**
 * A tiny scripted WeChat server for state-machine tests: routes by the last path segment, records
 * every request (logical host, query, cookies, body). Listens on 127.0.0.1:0.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  endpoint: string;
  host: string;
  query: URLSearchParams;
  cookie: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Delay before answering (ms, real time). */
  delayMs?: number;
}

export type Handler = (req: SeenRequest, n: number) => Reply | Promise<Reply>;

export interface FakeWechat {
  origin: string;
  seen: SeenRequest[];
  count(endpoint: string): number;
  routes: Record<string, Handler>;
  close(): Promise<void>;
}

export async function startFakeWechat(routes: Record<string, Handler>): Promise<FakeWechat> {
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const endpoint = url.pathname.split('/').pop() ?? '';
      const r: SeenRequest = {
        endpoint,
        host: String(req.headers['x-wechat-host'] ?? ''),
        query: url.searchParams,
        cookie: String(req.headers.cookie ?? ''),
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(r);
      const n = (counts.get(endpoint) ?? 0) + 1;
      counts.set(endpoint, n);
      const h = fake.routes[endpoint];
      Promise.resolve(h ? h(r, n) : { status: 404, body: 'no route' })
        .then(async (reply) => {
          if (reply.delayMs) {
            await new Promise<void>((ok) => {
              const t = setTimeout(() => {
                timers.delete(t);
                ok();
              }, reply.delayMs);
              timers.add(t);
            });
          }
          if (res.destroyed) return;
          res.writeHead(reply.status ?? 200, { 'Content-Type': 'text/plain', ...reply.headers });
          res.end(reply.body ?? '');
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  const fake: FakeWechat = {
    origin: `http://127.0.0.1:${port}`,
    seen,
    count: (e) => counts.get(e) ?? 0,
    routes,
    close: () =>
      new Promise<void>((ok) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
  return fake;
}

export const SELF = '@self0000000000000000000000000000';

export function json(o: unknown): Reply {
  return { body: JSON.stringify(o) };
}

export const OK = { Ret: 0, ErrMsg: '' };

export function syncKey(base: number, n = 4): { Count: number; List: { Key: number; Val: number }[] } {
  return { Count: n, List: Array.from({ length: n }, (_, i) => ({ Key: i + 1, Val: base + i })) };
}

export function rawMsg(id: string, from: string, content: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    MsgId: id,
    FromUserName: from,
    ToUserName: SELF,
    MsgType: 1,
    Content: content,
    Status: 3,
    ImgStatus: 1,
    CreateTime: 1700000000,
    VoiceLength: 0,
    PlayLength: 0,
    FileName: '',
    FileSize: '',
    MediaId: '',
    Url: '',
    AppMsgType: 0,
    StatusNotifyCode: 0,
    StatusNotifyUserName: '',
    RecommendInfo: {},
    ForwardFlag: 0,
    AppInfo: { AppID: '', Type: 0 },
    HasProductId: 0,
    Ticket: '',
    ImgHeight: 0,
    ImgWidth: 0,
    SubMsgType: 0,
    NewMsgId: 0,
    ...over,
  };
}

export function syncBody(msgs: unknown[], keyBase: number, over: Record<string, unknown> = {}): Reply {
  // NewMsgId as raw digits ≥ 2^53 like the real server.
  const text = JSON.stringify({
    BaseResponse: OK,
    AddMsgCount: msgs.length,
    AddMsgList: msgs,
    ModContactCount: 0,
    ModContactList: [],
    DelContactCount: 0,
    DelContactList: [],
    ModChatRoomMemberCount: 0,
    ModChatRoomMemberList: [],
    Profile: { BitFlag: 0 },
    ContinueFlag: 0,
    SyncKey: syncKey(keyBase, 6),
    SyncCheckKey: syncKey(keyBase + 1000, 6),
    SKey: '',
    ...over,
  });
  return { body: text.replace(/"NewMsgId":0/g, '"NewMsgId":179242112323992762') };
}

/** Routes for a complete, happy login + start-up; override pieces per test. */
export function happyRoutes(): Record<string, Handler> {
  return {
    jslogin: () => ({ body: 'window.QRLogin.code = 200; window.QRLogin.uuid = "4dcaWx3uBw==";' }),
    login: (_r, n) =>
      n === 1
        ? { body: 'window.code=408;' }
        : n === 2
          ? { body: "window.code=201;window.userAvatar = 'data:img/jpg;base64,AAAA';" }
          : {
              body: 'window.code=200;\nwindow.redirect_uri="https://wx2.qq.com/cgi-bin/mmwebwx-bin/webwxnewloginpage?ticket=T@qrticket_0&uuid=4dcaWx3uBw==&lang=zh_CN&scan=1";',
            },
    webwxnewloginpage: () => ({
      status: 301,
      headers: {
        'Set-Cookie': [
          'wxuin=155217200; Domain=.wx2.qq.com; Path=/; Secure',
          'wxsid=PsWd4FvKROR5EVcG; Domain=.wx2.qq.com; Path=/; Secure',
          'webwx_data_ticket=gSeBbuhX; Domain=.wx2.qq.com; Path=/; Secure',
          'webwx_auth_ticket=AUTH; Domain=.wx2.qq.com; Path=/; Secure',
          'webwxuvid=UVID; Domain=.wx2.qq.com; Path=/; Secure',
        ],
      },
      body: '<error><ret>0</ret><message></message><skey>@crypt_aa_bb</skey><wxsid>PsWd4FvKROR5EVcG</wxsid><wxuin>155217200</wxuin><pass_ticket>VgRr%2B%3D</pass_ticket><isgrayscale>1</isgrayscale></error>',
    }),
    webwxinit: () =>
      json({
        BaseResponse: OK,
        Count: 2,
        SKey: '@crypt_aa_bb',
        SyncKey: syncKey(100),
        InviteStartCount: 40,
        ChatSet: 'filehelper,@@room1,',
        User: { Uin: 155217200, UserName: SELF, NickName: 'Me', HeadImgUrl: '', ContactFlag: 7 },
        ContactList: [
          { UserName: '@@room1', NickName: 'Room One', MemberCount: 0, MemberList: [], ContactFlag: 3 },
          { UserName: 'filehelper', NickName: '文件传输助手', ContactFlag: 3 },
        ],
      }),
    webwxstatusnotify: () => json({ BaseResponse: OK, MsgID: '3199705316661781423' }),
    webwxgetcontact: (r) =>
      r.query.get('seq') === '0'
        ? json({ BaseResponse: OK, MemberCount: 1, Seq: 77, MemberList: [{ UserName: '@alice', NickName: 'Alice', ContactFlag: 3, VerifyFlag: 0 }] })
        : json({ BaseResponse: OK, MemberCount: 1, Seq: 0, MemberList: [{ UserName: '@bob', NickName: 'Bob', ContactFlag: 3, VerifyFlag: 0 }] }),
    webwxbatchgetcontact: (r) => {
      const req = JSON.parse(r.body.toString()) as { List: { UserName: string }[] };
      return json({
        BaseResponse: OK,
        Count: req.List.length,
        ContactList: req.List.filter((i) => i.UserName.startsWith('@@')).map((i) => ({
          UserName: i.UserName,
          NickName: 'Room',
          MemberCount: 2,
          EncryChatRoomId: '@enc',
          MemberList: [
            { UserName: SELF, NickName: 'Me', DisplayName: 'Boss' },
            { UserName: '@alice', NickName: 'Alice', DisplayName: '' },
          ],
        })),
      });
    },
    webwxsync: () => syncBody([], 200),
    synccheck: () => ({ body: 'window.synccheck={retcode:"0",selector:"0"}', delayMs: 30 }),
    webwxlogout: () => ({ body: '' }),
  };
}
