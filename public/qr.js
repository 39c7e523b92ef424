/* global document, window, EventSource */
// The "add account" page: follows the login live over SSE (waiting → scanned with avatar →
// confirmed/online, or expired → a new QR), shows WeChat's message when the login is refused, and
// goes to the account's page once it is online.
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
  let redirecting = false;
  const openedOnline = status.dataset.state === 'online';
  const src = new EventSource('/accounts/' + encodeURIComponent(root.dataset.account) + '/events');
  src.addEventListener('info', function (e) {
    const info = JSON.parse(e.data);
    status.dataset.state = info.state;
    status.textContent = texts[key(info.state)] || info.state;
    // A failed login is explained by the problem box (account-live.js); other details show here.
    detail.hidden = !info.detail || !!info.problem;
    detail.textContent = info.detail || '';
    document.getElementById('qr-hint').hidden = info.state !== 'waiting-scan';
    const showQr = info.state === 'waiting-scan' && isImage(info.qr);
    if (showQr && image.getAttribute('src') !== info.qr) image.setAttribute('src', info.qr);
    // Which login the picture is (the sandbox phone page and tests tell QR codes apart by it).
    if (showQr) image.dataset.qrId = info.qrId || '';
    image.hidden = !showQr;
    const showAvatar = info.state === 'waiting-confirm' && isImage(info.scannedAvatar);
    if (showAvatar) avatar.setAttribute('src', info.scannedAvatar);
    avatar.hidden = !showAvatar;
    root.dataset.state = info.state;
    // Logged in while this page was open: the account's page is where to go next (after a moment to
    // read "Online!"). A page opened on an account already online stays, to be read.
    if (info.state === 'online' && !openedOnline && !redirecting) {
      redirecting = true;
      src.close();
      window.setTimeout(function () {
        window.location.assign(root.dataset.dashboard);
      }, 800);
    }
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
