// Helpers both sandbox phone pages share (web protocol and iLink): element lookup and creation
// (user content only through textContent), JSON calls to a control API, an error line.
window.sandboxPage = (function () {
  'use strict';
  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** A `call(method, path, body)` bound to a control API base; POST bodies always go as JSON. */
  function caller(base) {
    return function call(method, path, body) {
      var post = method === 'POST';
      return fetch(base + path, {
        method: method,
        headers: post ? { 'content-type': 'application/json' } : {},
        body: post ? JSON.stringify(body || {}) : undefined,
      }).then(function (res) {
        return res.json().then(function (j) {
          if (!res.ok) throw new Error((j.error && j.error.message) || res.statusText);
          return j;
        });
      });
    };
  }

  /** Shows an error (or clears it) in the element with this id. */
  function errorLine(id) {
    return function (err) {
      $(id).textContent = err ? String(err.message || err) : '';
    };
  }

  /** A file's bytes as base64 (what the control APIs take for media). */
  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () {
        resolve(String(r.result).replace(/^data:[^,]*,/, ''));
      };
      r.onerror = function () {
        reject(r.error);
      };
      r.readAsDataURL(file);
    });
  }

  /**
   * Wraps a poller (a function returning a promise) so that at most one run is in flight. Pollers read
   * from a cursor (`since`) that only moves when an answer arrives; two overlapping runs would send the
   * same cursor and both append the same entries (the phone page then showed a message twice). A call
   * made while a run is in flight is not dropped: one more run follows, from the cursor the first left.
   */
  function serial(run) {
    var running = null;
    var again = false;
    function go() {
      if (running) {
        again = true;
        return running;
      }
      running = Promise.resolve()
        .then(run)
        .then(
          function () {
            running = null;
            if (again) {
              again = false;
              return go();
            }
          },
          function (err) {
            running = null;
            again = false;
            throw err;
          },
        );
      return running;
    }
    return go;
  }

  return { $: $, el: el, caller: caller, errorLine: errorLine, readFile: readFile, serial: serial };
})();
