/* global document */
// The plugin order without page loads: drag a row, or press ↑ and ↓ (keyboard focus stays on the
// button), and the positions are renumbered; "Save order" then posts the whole order once. Without
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
  let dragged = null;
  Array.prototype.forEach.call(body.rows, function (row) {
    row.draggable = true;
  });
  body.addEventListener('dragstart', function (e) {
    dragged = e.target.closest('tr');
    if (dragged && e.dataTransfer) {
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', dragged.dataset.plugin || '');
    }
  });
  body.addEventListener('dragover', function (e) {
    const over = e.target.closest('tr');
    if (!dragged || !over || over === dragged) return;
    e.preventDefault();
    const box = over.getBoundingClientRect();
    body.insertBefore(dragged, e.clientY < box.top + box.height / 2 ? over : over.nextElementSibling);
  });
  body.addEventListener('drop', function (e) {
    e.preventDefault();
  });
  body.addEventListener('dragend', function () {
    dragged = null;
    renumber();
  });
  renumber();
})();
