/* global document, window, EventSource */
// One account's page, live (SSE /accounts/:id/events): the explanation of a failed login appears,
// changes and goes away as the login ladder moves, and new timeline entries are added on top.
// Text arrives already translated by the server and goes in with textContent only.
'use strict';
(function () {
  const root = document.querySelector('[data-account-live]');
  if (!root) return;
  const box = document.getElementById('login-problem');
  const timeline = document.getElementById('timeline');
  const set = function (id, text) {
    const el = document.getElementById(id);
    if (el) el.textContent = text || '';
    return el;
  };
  const src = new EventSource('/accounts/' + encodeURIComponent(root.dataset.accountLive) + '/events');
  src.addEventListener('info', function (e) {
    if (!box) return;
    const p = JSON.parse(e.data).problem;
    box.hidden = !p;
    if (!p) return;
    box.dataset.kind = p.kind;
    set('problem-title', p.title);
    set('problem-text', p.text);
    set('problem-next', p.next).hidden = !p.next;
    set('problem-detail', p.detail);
  });
  src.addEventListener('timeline', function (e) {
    if (!timeline) return;
    const entry = JSON.parse(e.data);
    if (timeline.querySelector('[data-entry="' + entry.id + '"]')) return;
    const row = document.createElement('tr');
    row.dataset.entry = String(entry.id);
    row.dataset.kind = entry.kind;
    const when = document.createElement('td');
    when.textContent = new Date(entry.at).toLocaleString(document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en-GB', { hour12: false });
    const what = document.createElement('td');
    what.textContent = entry.text;
    row.append(when, what);
    timeline.querySelector('tbody').prepend(row);
    const empty = document.getElementById('timeline-empty');
    if (empty) empty.hidden = true;
    timeline.hidden = false;
  });
  window.addEventListener('beforeunload', function () {
    src.close();
  });
})();
