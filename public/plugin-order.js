/* global document */
// The plugin order without page loads: ↑ and ↓ move a row in place (keyboard focus stays on the
// button) and renumber the positions; "Save order" then posts the whole order once. Without
// JavaScript the buttons stay hidden and the position numbers are typed instead.
'use strict';
(function () {
  const table = document.getElementById('plugins');
  if (!table || !document.getElementById('plugin-order')) return;
  const body = table.tBodies[0];
  const renumber = function () {
    const rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) {
      row.querySelector('input.position').value = String(i + 1);
      row.querySelector('button[data-dir="up"]').disabled = i === 0;
      row.querySelector('button[data-dir="down"]').disabled = i === rows.length - 1;
    });
  };
  table.querySelectorAll('button.move').forEach(function (b) {
    b.hidden = false;
  });
  table.addEventListener('click', function (e) {
    const button = e.target.closest('button.move');
    if (!button) return;
    const row = button.closest('tr');
    if (button.dataset.dir === 'up' && row.previousElementSibling) body.insertBefore(row, row.previousElementSibling);
    else if (button.dataset.dir === 'down' && row.nextElementSibling) body.insertBefore(row.nextElementSibling, row);
    renumber();
    if (!button.disabled) button.focus();
  });
  renumber();
})();
