/* global document, window, EventSource, URLSearchParams */
// Live message log: when the account's SSE stream reports a message in this view, the rows are
// fetched again as server-rendered (escaped) HTML and swapped in.
'use strict';
(function () {
  const root = document.getElementById('messages-page');
  if (!root) return;
  const rows = document.getElementById('message-rows');
  const toggle = document.getElementById('live-toggle');
  const account = root.dataset.account;
  const chat = root.dataset.chat;
  const params = new URLSearchParams({ partial: '1' });
  if (chat) params.set('chat', chat);
  if (root.dataset.q) params.set('q', root.dataset.q);
  // An older page stays that page: refreshed in place, never swapped for the newest rows.
  params.set('per', root.dataset.per);
  if (root.dataset.before) params.set('before', root.dataset.before);
  // One refresh at a time. An event while the rows are being fetched may name a message the server rendered too
  // early to include, so it earns one more refresh afterwards (dropping it lost that message until the next one).
  let pending = false;
  let fetching = false;
  let again = false;
  const refresh = function () {
    if (pending) {
      if (fetching) again = true;
      return;
    }
    pending = true;
    window.setTimeout(function () {
      fetching = true;
      fetch('/accounts/' + encodeURIComponent(account) + '/messages?' + params.toString(), { credentials: 'same-origin' })
        .then(function (r) {
          return r.ok ? r.text() : Promise.reject(new Error(String(r.status)));
        })
        .then(function (html) {
          rows.innerHTML = html;
        })
        .catch(function () {
          /* the next event tries again */
        })
        .finally(function () {
          pending = false;
          fetching = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }, 250);
  };
  const live = function () {
    return !toggle || toggle.checked;
  };
  const src = new EventSource('/accounts/' + encodeURIComponent(account) + '/events');
  // Messages stored after the server rendered this page but before the stream was (re)connected sent no event
  // here: fetch the rows once the stream is open, and after every reconnect.
  src.addEventListener('open', function () {
    if (live()) refresh();
  });
  src.addEventListener('message', function (e) {
    if (!live()) return;
    const m = JSON.parse(e.data);
    if (!chat || m.chatId === chat) refresh();
  });
  window.addEventListener('beforeunload', function () {
    src.close();
  });
})();
