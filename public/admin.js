/* global document, window */
// Shared panel behaviour: confirmation prompts on dangerous forms, and a fetch helper that sends the
// CSRF token in a header (state-changing requests without it are refused by the server).
'use strict';
(function () {
  const csrf = document.body.dataset.csrf || '';
  document.addEventListener('submit', function (e) {
    const form = e.target;
    const question = form && form.dataset ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) e.preventDefault();
  });
  window.weiroto = {
    csrf: csrf,
    post: function (url, body) {
      return fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, accept: 'application/json' },
        body: JSON.stringify(body || {}),
      });
    },
  };
})();
