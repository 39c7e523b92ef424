/* global document, window, EventSource */
// Live account states (SSE /events): labels update in place; on the accounts list a change of state
// reloads the page so the right buttons show. Text goes in with textContent only.
'use strict';
(function () {
  const texts = document.getElementById('state-texts');
  const label = function (state) {
    const key =
      'state' +
      state.replace(/(^|-)(\w)/g, function (_m, _d, c) {
        return c.toUpperCase();
      });
    return (texts && texts.dataset[key]) || state;
  };
  const list = document.querySelector('[data-live-accounts]');
  const src = new EventSource('/events');
  src.addEventListener('accounts', function (e) {
    const accounts = JSON.parse(e.data);
    let changed = false;
    accounts.forEach(function (a) {
      document.querySelectorAll('[data-live-state]').forEach(function (el) {
        if (el.dataset.liveState !== a.id) return;
        if (el.dataset.state && el.dataset.state !== a.state) changed = true;
        el.dataset.state = a.state;
        el.textContent = label(a.state);
        el.className = 'state state-' + a.state;
      });
      // Cluster: which node runs it (another node may take it over while the page is open).
      document.querySelectorAll('[data-live-node]').forEach(function (el) {
        if (el.dataset.liveNode === a.id && a.node && el.textContent !== a.node) el.textContent = a.node;
      });
    });
    if (list && (changed || accounts.length !== list.querySelectorAll('tr[data-account]').length)) window.location.reload();
  });
  window.addEventListener('beforeunload', function () {
    src.close();
  });
})();
