/* global document, window, EventSource */
// The "add account" page: follows the login live over SSE (waiting → scanned with avatar →
// confirmed/online, or expired → a new QR), and shows WeChat's message when the login is refused.
'use strict';
(function () {
  const root = document.getElementById('qr-login');
  if (!root) return;
  const texts = document.getElementById('qr-texts').dataset;
  const status = document.getElementById('qr-status');
  const detail = document.getElementById('qr-detail');
  const image = document.getElementById('qr-image');
  const avatar = document.getElementById('qr-avatar');
  const key = function (state) {
    return state.replace(/-(\w)/g, function (_m, c) {
      return c.toUpperCase();
    });
  };
  const isImage = function (url) {
    return typeof url === 'string' && /^data:image\/(png|jpeg|gif|webp);base64,/.test(url);
  };
  const src = new EventSource('/accounts/' + encodeURIComponent(root.dataset.account) + '/events');
  src.addEventListener('info', function (e) {
    const info = JSON.parse(e.data);
    status.dataset.state = info.state;
    status.textContent = texts[key(info.state)] || info.state;
    detail.hidden = !info.detail;
    detail.textContent = info.detail || '';
    const showQr = info.state === 'waiting-scan' && isImage(info.qr);
    if (showQr && image.getAttribute('src') !== info.qr) image.setAttribute('src', info.qr);
    image.hidden = !showQr;
    const showAvatar = info.state === 'waiting-confirm' && isImage(info.scannedAvatar);
    if (showAvatar) avatar.setAttribute('src', info.scannedAvatar);
    avatar.hidden = !showAvatar;
    root.dataset.state = info.state;
    // iLink: the phone shows digits to type here (again, when the last code was wrong).
    const verify = document.getElementById('verify-code');
    if (verify) {
      verify.hidden = !info.verifyCode;
      const title = document.getElementById('verify-code-title');
      if (info.verifyCode) title.textContent = info.verifyCode.retry ? title.dataset.retry : title.dataset.first;
    }
  });
  window.addEventListener('beforeunload', function () {
    src.close();
  });
})();
