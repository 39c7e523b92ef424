/* global document, window */
// The plugin page's "Test connection": post the form with fetch and show the answer or the exact
// error below it, without leaving the page (the form still works without JavaScript).
'use strict';
(function () {
  const form = document.getElementById('plugin-test-form');
  const out = document.getElementById('plugin-test-result');
  if (!form || !out || !window.weiroto) return;
  const show = function (kind, label, text) {
    out.hidden = false;
    out.className = 'probe-result ' + kind;
    out.textContent = '';
    const strong = document.createElement('strong');
    strong.textContent = label;
    out.appendChild(strong);
    if (text && text.length) {
      const p = document.createElement('p');
      p.className = 'wrap';
      // A failure comes said in the page's language, in pieces: its data (URL, exact error) marked as such.
      if (typeof text === 'string') p.textContent = text;
      else {
        for (const piece of text) {
          if (!piece.datum) p.appendChild(document.createTextNode(piece.text));
          else {
            const datum = document.createElement('bdi');
            datum.className = 'datum';
            datum.textContent = piece.text;
            p.appendChild(datum);
          }
        }
      }
      out.appendChild(p);
    }
  };
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    show('busy', out.dataset.busyLabel, '');
    window.weiroto
      .post(form.action, {})
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body && body.error && body.error.message ? body.error.message : 'HTTP ' + res.status);
          return body;
        });
      })
      .then(function (r) {
        if (r.ok) show('ok', out.dataset.okLabel + ' (' + r.ms + ' ms)', r.answer);
        else show('failed', out.dataset.failLabel + ' (' + r.ms + ' ms)', r.said || r.error);
      })
      .catch(function (err) {
        show('failed', out.dataset.failLabel, err.message);
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
