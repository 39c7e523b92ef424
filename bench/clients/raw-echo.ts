/**
 * The "raw" echo client of the benchmark: the smallest client that speaks the WeChat web protocol
 * with keep-alive HTTP and nothing else (no persistence, no pipeline, no parsing beyond what an echo
 * needs). It is the practical limit of the wire against which weiroto is measured.
 *
 * Run: node --import tsx bench/clients/raw-echo.ts [origin]
 *   With an http(s) origin of the sandbox, requests go there and carry X-Wechat-Host with the
 *   logical host. Without one, requests go to the real host names over HTTPS (port 443), as a real
 *   client would; the benchmark routes them to the sandbox's TLS port with the
 *   test/helpers/wechat4u-hosts.cjs preload and trusts its test CA through NODE_EXTRA_CA_CERTS.
 * It prints one JSON line per milestone on stdout: {"event":"qr","uuid"}, {"event":"ready","ms"},
 * and, on SIGTERM, {"event":"stats","echoed"} before exiting.
 */
import http from 'node:http';
import https from 'node:https';

// No origin: the real host names over HTTPS.
const origin = process.argv[2] ? new URL(process.argv[2]) : undefined;
const client = !origin || origin.protocol === 'https:' ? https : http;
const agent = new client.Agent({ keepAlive: true, maxSockets: 8 });
const cookies = new Map<string, string>();

interface Reply {
  status: number;
  body: string;
}

function request(host: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = client.request(
      {
        host: origin ? origin.hostname : host,
        port: origin ? origin.port : 443,
        path,
        method: payload ? 'POST' : 'GET',
        agent,
        servername: host,
        headers: {
          ...(origin && { 'x-wechat-host': host }),
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(payload && { 'content-type': 'application/json;charset=UTF-8', 'content-length': payload.length }),
        },
      },
      (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const m = /^([^=]+)=([^;]*)/.exec(c);
          if (m) cookies.set(m[1]!, m[2]!);
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(40_000, () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

const emit = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');
const CGI = '/cgi-bin/mmwebwx-bin/';
let echoed = 0;

async function main(): Promise<void> {
  const js = await request('login.wx.qq.com', `/jslogin?appid=wx782c26e4c19acffb&fun=new&lang=zh_CN&_=${Date.now()}`);
  const uuid = /uuid\s*=\s*"([^"]+)"/.exec(js.body)?.[1];
  if (!uuid) throw new Error('no uuid: ' + js.body);
  emit({ event: 'qr', uuid });

  let redirect: string | undefined;
  for (let tip = 1; !redirect; tip = 0) {
    const r = await request('login.wx.qq.com', `${CGI}login?loginicon=true&uuid=${uuid}&tip=${tip}&r=${~Date.now()}&_=${Date.now()}`);
    const code = /window.code\s*=\s*(\d+)/.exec(r.body)?.[1];
    if (code === '200') redirect = /redirect_uri\s*=\s*"([^"]+)"/.exec(r.body)?.[1];
    else if (code !== '408' && code !== '201') throw new Error('login poll answered ' + r.body);
  }
  const started = Date.now();
  const loginUrl = new URL(redirect + '&fun=new&version=v2');
  const web = loginUrl.hostname;
  const push = 'webpush.' + web;
  const page = await request(web, loginUrl.pathname + loginUrl.search);
  const tag = (n: string): string => new RegExp(`<${n}>([^<]*)</${n}>`).exec(page.body)?.[1] ?? '';
  const skey = tag('skey');
  const sid = tag('wxsid');
  const uin = tag('wxuin');
  const passTicket = tag('pass_ticket');
  const base = { Uin: Number(uin), Sid: sid, Skey: skey, DeviceID: 'e123456789012345' };
  const pt = `pass_ticket=${passTicket}`;

  const init = JSON.parse((await request(web, `${CGI}webwxinit?r=${~Date.now()}&${pt}`, { BaseRequest: base })).body);
  const self: string = init.User.UserName;
  let syncKey = init.SyncKey;
  let checkKey = init.SyncKey;

  // Contacts by Seq, then every group's members in chunks of 50 (what "ready" means for all clients).
  const groups = new Set<string>(
    String(init.ChatSet)
      .split(',')
      .filter((n: string) => n.startsWith('@@')),
  );
  for (let seq = 0; ;) {
    const page = JSON.parse((await request(web, `${CGI}webwxgetcontact?${pt}&skey=${skey}&seq=${seq}&r=${Date.now()}`)).body);
    for (const c of page.MemberList) if (String(c.UserName).startsWith('@@')) groups.add(c.UserName);
    seq = page.Seq;
    if (!seq) break;
  }
  const list = [...groups];
  const chunks: string[][] = [];
  for (let i = 0; i < list.length; i += 50) chunks.push(list.slice(i, i + 50));
  await Promise.all(
    chunks.map((chunk) =>
      request(web, `${CGI}webwxbatchgetcontact?type=ex&r=${Date.now()}&${pt}`, {
        BaseRequest: base,
        Count: chunk.length,
        List: chunk.map((UserName) => ({ UserName, EncryChatRoomId: '' })),
      }),
    ),
  );
  emit({ event: 'ready', ms: Date.now() - started, groups: list.length });

  const fmt = (k: { List: { Key: number; Val: number }[] }): string => k.List.map((i) => `${i.Key}_${i.Val}`).join('|');
  let clientId = Date.now() * 1000;
  for (;;) {
    const check = await request(
      push,
      `${CGI}synccheck?r=${Date.now()}&skey=${encodeURIComponent(skey)}&sid=${encodeURIComponent(sid)}&uin=${uin}&deviceid=e123456789012345&synckey=${encodeURIComponent(fmt(checkKey))}&_=${Date.now()}`,
    ).catch(() => undefined);
    if (!check) continue;
    const retcode = /retcode\s*:\s*"(\d+)"/.exec(check.body)?.[1];
    if (retcode !== '0') throw new Error('synccheck retcode ' + retcode);
    if (/selector\s*:\s*"0"/.test(check.body)) continue;
    const sync = JSON.parse(
      (await request(web, `${CGI}webwxsync?sid=${sid}&skey=${skey}&${pt}`, { BaseRequest: base, SyncKey: syncKey, rr: ~Date.now() })).body,
    );
    if (sync.SyncKey?.Count > 0) syncKey = sync.SyncKey;
    if (sync.SyncCheckKey?.Count > 0) checkKey = sync.SyncCheckKey;
    else if (sync.SyncKey?.Count > 0) checkKey = sync.SyncKey;
    const sends: Promise<Reply>[] = [];
    for (const m of sync.AddMsgList) {
      if (m.MsgType !== 1 || m.FromUserName === self) continue;
      let text: string = m.Content;
      if (String(m.FromUserName).startsWith('@@')) text = text.replace(/^[@\w-]+:<br\/>/, '');
      text = text
        .replace(/<br\/>/g, '\n')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
      const id = String(clientId++);
      sends.push(
        request(web, `${CGI}webwxsendmsg?${pt}`, {
          BaseRequest: base,
          Msg: { Type: 1, Content: text, FromUserName: self, ToUserName: m.FromUserName, LocalID: id, ClientMsgId: id },
          Scene: 0,
        }),
      );
    }
    await Promise.all(sends);
    echoed += sends.length;
  }
}

process.on('SIGTERM', () => {
  emit({ event: 'stats', echoed });
  process.exit(0);
});
main().catch((e: unknown) => {
  process.stderr.write(`raw-echo: ${(e as Error).message}\n`);
  process.exit(1);
});
