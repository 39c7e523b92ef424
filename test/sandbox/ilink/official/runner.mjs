// Drives Tencent's official iLink client code (npm @tencent-weixin/openclaw-weixin, unpacked at
// PLUGIN_DIR, imported unmodified from its dist/) against `weiroto sandbox` in TLS mode: the
// owner scans and confirms through the sandbox's control API; the client logs in, starts, receives
// a text and an image (downloads and decrypts it), replies with text and an uploaded image, shows
// typing, stops. Prints one JSON line with what it saw.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = pathToFileURL(join(process.env.PLUGIN_DIR, 'dist', 'src') + '/').href;
const origin = process.env.SANDBOX_ORIGIN;
const CDN = 'https://novac2c.cdn.weixin.qq.com/c2c';

const { startWeixinLoginWithQr, waitForWeixinLogin } = await import(dist + 'auth/login-qr.js');
const api = await import(dist + 'api/api.js');
const send = await import(dist + 'messaging/send.js');
const upload = await import(dist + 'cdn/upload.js');
const pic = await import(dist + 'cdn/pic-decrypt.js');

async function control(path, body) {
  const res = await fetch(`${origin}/sandbox/api/ilink${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const j = await res.json();
  if (!res.ok) throw new Error(`control ${path}: ${JSON.stringify(j)}`);
  return j;
}

const out = {};
const start = await startWeixinLoginWithQr({ accountId: `check-${Date.now()}`, force: true });
if (!start.qrcodeUrl) throw new Error(`no QR: ${start.message}`);
out.qrcodeUrl = start.qrcodeUrl;
const qrcode = new URL(start.qrcodeUrl).searchParams.get('qrcode');
// The owner scans and confirms on the phone a moment later (the client polls meanwhile).
setTimeout(() => void control('/qr/confirm', { qrcode }).catch((e) => console.error(e)), 300);
const login = await waitForWeixinLogin({ sessionKey: start.sessionKey, timeoutMs: 30_000 });
if (!login.connected) throw new Error(`login failed: ${login.message}`);
out.login = { accountId: login.accountId, userId: login.userId, baseUrl: login.baseUrl };
const opts = { baseUrl: login.baseUrl, token: login.botToken };

out.notifyStart = await api.notifyStart(opts);
let cursor = '';
const poll = async () => {
  const r = await api.getUpdates({ ...opts, get_updates_buf: cursor, timeoutMs: 5000 });
  if (r.get_updates_buf) cursor = r.get_updates_buf;
  return r.msgs ?? [];
};
await poll();
await control('/messages', { text: 'hello from the phone' });
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
await control('/messages', { image: png.toString('base64') });
let msgs = [];
for (let i = 0; i < 5 && msgs.length < 2; i++) msgs = msgs.concat(await poll());
const text = msgs.find((m) => m.item_list?.[0]?.type === 1);
const image = msgs.find((m) => m.item_list?.[0]?.type === 2);
out.received = { text: text?.item_list[0].text_item.text, messageId: text?.message_id, contextToken: Boolean(text?.context_token) };
const img = image.item_list[0].image_item;
const key = Buffer.from(img.aeskey, 'hex').toString('base64');
const got = await pic.downloadAndDecryptBuffer(img.media.encrypt_query_param, key, CDN, 'check', img.media.full_url);
out.imageByteExact = Buffer.compare(got, png) === 0;

const contextToken = image.context_token;
const cfg = await api.getConfig({ ...opts, ilinkUserId: login.userId, contextToken });
out.typingTicket = Boolean(cfg.typing_ticket);
await api.sendTyping({ ...opts, body: { ilink_user_id: login.userId, typing_ticket: cfg.typing_ticket, status: 1 } });
const state = await control('/state');
out.typingShown = state.bots.find((b) => b.id === login.accountId)?.typing === true;
const sent = await send.sendMessageWeixin({ to: login.userId, text: 'echo: hello from the phone', opts: { ...opts, contextToken } });
out.replyClientId = sent.messageId;
const file = join(tmpdir(), `official-check-${process.pid}.png`);
await writeFile(file, png);
const uploaded = await upload.uploadFileToWeixin({ filePath: file, toUserId: login.userId, opts, cdnBaseUrl: CDN });
const sentImage = await send.sendImageMessageWeixin({ to: login.userId, text: '', uploaded, opts: { ...opts, contextToken } });
out.imageClientId = sentImage.messageId;
await api.sendTyping({ ...opts, body: { ilink_user_id: login.userId, typing_ticket: cfg.typing_ticket, status: 2 } });
out.notifyStop = await api.notifyStop(opts);
process.stdout.write(JSON.stringify(out) + '\n');
