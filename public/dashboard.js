/* global document, window */
// Dashboard charts with the locally served Chart.js; the figures come from the page's data
// attributes (the stored daily statistics), never from the script.
'use strict';
(function () {
  const labels = document.getElementById('chart-labels');
  if (!labels || !window.Chart) return;
  const names = labels.dataset;
  const draw = function (id) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    const s = JSON.parse(canvas.dataset.series);
    new window.Chart(canvas, {
      type: 'line',
      data: {
        labels: s.days.map(function (d) {
          return d.slice(5);
        }),
        datasets: [
          { label: names.received, data: s.received, borderColor: '#2f7d32', backgroundColor: '#2f7d32' },
          { label: names.replied, data: s.replied, borderColor: '#1565c0', backgroundColor: '#1565c0' },
          { label: names.newFriends, data: s.newFriends, borderColor: '#ef6c00', backgroundColor: '#ef6c00' },
          { label: names.activeChats, data: s.activeChats, borderColor: '#6a1b9a', backgroundColor: '#6a1b9a' },
        ],
      },
      options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  };
  draw('chart-week');
  draw('chart-month');
})();
