/* global document, window */
// Dashboard charts with the locally served Chart.js; the figures come from the page's data
// attributes (the stored daily statistics), never from the script.
'use strict';
(function () {
  const labels = document.getElementById('chart-labels');
  if (!labels || !window.Chart) return;
  const names = labels.dataset;
  // Hollow points, largest at the bottom (a higher `order` is drawn first): where lines meet the
  // shapes nest inside one another instead of covering each other.
  const line = function (label, data, color, dash, pointStyle, width, radius) {
    return {
      label: label,
      data: data,
      borderColor: color,
      backgroundColor: color,
      borderDash: dash,
      borderWidth: width,
      pointStyle: pointStyle,
      pointRadius: radius,
      pointBackgroundColor: '#fff',
      pointBorderWidth: 2,
      order: radius,
    };
  };
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
        // Equal series (every line at zero, or received = replied) lie on top of each other: each line has
        // its own dash pattern, point shape and width, so a hidden one still shows through.
        datasets: [
          line(names.received, s.received, '#2f7d32', [], 'circle', 4, 8),
          line(names.replied, s.replied, '#1565c0', [8, 4], 'rect', 3, 6),
          line(names.newFriends, s.newFriends, '#ef6c00', [2, 3], 'triangle', 2.5, 4.5),
          line(names.activeChats, s.activeChats, '#6a1b9a', [12, 4, 2, 4], 'crossRot', 2, 3.5),
        ],
      },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { reverse: true, labels: { usePointStyle: true } } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  };
  draw('chart-week');
  draw('chart-month');
})();
