/* global document, window */
// The send box's recipient: as you type, the list under "To" offers the account's friends and
// groups whose name, remark or topic contains what was typed (GET …/recipients?q=).
'use strict';
(function () {
  const form = document.getElementById('send-form');
  const input = document.getElementById('send-chat');
  const list = document.getElementById('recipients');
  if (!form || !input || !list) return;
  const url = form.dataset.recipients;
  const groupLabel = list.dataset.groupLabel || '';
  let timer;
  let asked = 0;
  const fill = function (items) {
    list.textContent = '';
    for (const r of items) {
      const o = document.createElement('option');
      o.value = r.name;
      o.textContent = r.kind === 'room' ? groupLabel.replace('{n}', String(r.members || 0)) : r.detail || '';
      list.appendChild(o);
    }
  };
  input.addEventListener('input', function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      const mine = ++asked;
      fetch(url + '?q=' + encodeURIComponent(input.value), { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (res) {
          return res.ok ? res.json() : { items: [] };
        })
        .then(function (body) {
          if (mine === asked) fill(body.items || []);
        })
        .catch(function () {});
    }, 120);
  });
})();
