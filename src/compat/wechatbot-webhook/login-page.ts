/**
 * The page `GET /login` shows while the account is not logged in: the QR to scan, drawn from
 * weiroto's own QR image (no script from elsewhere), and a subscription to `/sse` that reloads the
 * page when a new QR comes or the login completes, as the original's page did.
 */
const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(o: { qrDataUrl?: string; qrText?: string; state: string }): string {
  const body = o.qrDataUrl
    ? `<img id="qr" alt="QR code" width="240" height="240" src="${escape(o.qrDataUrl)}"><p>扫码登录 / Scan with WeChat to log in</p>`
    : `<p>Waiting for a QR code (account ${escape(o.state)}) …</p>`;
  return `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wechatbot-webhook login</title>
<style>body{font-family:system-ui,sans-serif;text-align:center;margin-top:10vh}</style></head>
<body>${body}
<script>
(function () {
  var shown = ${JSON.stringify(o.qrText ?? '').replace(/</g, '\\u003c')};
  var es = new EventSource('/sse' + location.search);
  es.addEventListener('login', function () { es.close(); location.reload(); });
  es.addEventListener('qrcode', function (e) { if (e.data !== shown) { es.close(); location.reload(); } });
})();
</script></body></html>`;
}
