// The iLink sandbox phone page: the owner's WeChat with the ClawBot contact. A small plain script
// over /sandbox/api/ilink. All user content is put into the page with textContent, never as HTML.
(function () {
  'use strict';
  var page = window.sandboxPage;
  var $ = page.$;
  var el = page.el;
  var call = page.caller('/sandbox/api/ilink');
  var showError = page.errorLine('composer-error');
  var readFile = page.readFile;
  var state = null;
  var since = 0;
  var lines = [];

  function user() {
    return $('user').value || (state && state.users[0] && state.users[0].id) || '';
  }

  function bot() {
    if (!state) return null;
    var u = user();
    for (var i = state.bots.length - 1; i >= 0; i--) if (state.bots[i].user === u && state.bots[i].alive) return state.bots[i];
    return null;
  }

  function renderUsers() {
    var sel = $('user');
    var keep = sel.value;
    if (sel.options.length === state.users.length) return;
    sel.textContent = '';
    state.users.forEach(function (u) {
      var o = el('option', '', u.nickname + ' (' + u.id.slice(0, 12) + '…)');
      o.value = u.id;
      sel.appendChild(o);
    });
    if (keep) sel.value = keep;
  }

  function qrButton(label, action, q) {
    var b = el('button', '', label);
    b.addEventListener('click', function () {
      var body = { qrcode: q.qrcode, user: user() };
      if (action === 'scan') body.verify = $('ask-code').checked;
      call('POST', '/qr/' + action, body).then(refresh, showError);
    });
    return b;
  }

  function renderQrs() {
    var list = $('qr-list');
    var focus = list.getAttribute('data-focus');
    list.textContent = '';
    var open = state.qrcodes.filter(function (q) {
      return q.status === 'wait' || q.status === 'scaned' || q.status === 'need_verifycode' || q.qrcode === focus;
    });
    if (!open.length) list.appendChild(el('li', 'hint', 'No QR codes waiting: start your iLink client (it asks for one).'));
    open
      .slice()
      .reverse()
      .forEach(function (q) {
        var li = el('li', 'qr' + (q.qrcode === focus ? ' focus' : ''));
        li.setAttribute('data-qrcode', q.qrcode);
        li.appendChild(el('div', 'status', q.qrcode.slice(0, 8) + '… — ' + q.status));
        if (q.verifyCode) {
          li.appendChild(el('div', 'hint', 'Type this code into your bot client:'));
          li.appendChild(el('div', 'code', q.verifyCode));
        }
        if (q.status === 'wait') li.appendChild(qrButton('Scan', 'scan', q));
        if (q.status === 'wait' || q.status === 'scaned') li.appendChild(qrButton('Confirm', 'confirm', q));
        if (q.status === 'scaned' || q.status === 'need_verifycode') li.appendChild(qrButton('Cancel', 'cancel', q));
        list.appendChild(li);
      });
  }

  function duration(ms) {
    var m = Math.max(0, Math.round(ms / 60000));
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  function renderBot() {
    var b = bot();
    var badge = $('bot-state');
    badge.textContent = b ? (b.reachable ? 'ClawBot connected' : 'ClawBot — 暂无法连接') : 'no bot bound';
    badge.className = 'badge' + (b && b.reachable ? ' online' : '');
    $('typing').hidden = !(b && b.typing);
    var w = $('window');
    if (!b) w.textContent = 'Scan a QR code to bind a bot to this owner.';
    else if (b.window.open)
      w.textContent = 'Reply window open for ' + duration(b.window.closesAt - state.now) + '; ' + b.window.left + ' of ' + b.window.quota + ' replies left.';
    else w.textContent = b.window.lastInboundAt ? 'Reply window closed: the bot waits for you to write.' : 'Write first: the bot can only answer you.';
    var facts = $('bot-facts');
    facts.textContent = '';
    var rows = b
      ? [
          ['bot id', b.id],
          ['owner', b.user],
          ['held polls', String(b.heldPolls)],
          ['notify', b.notify || '—'],
          ['last headers', state.lastHeaders.appId ? state.lastHeaders.appId + ' ' + (state.lastHeaders.clientVersionDecoded || '') : '—'],
        ]
      : [['bot', 'none']];
    rows.forEach(function (r) {
      facts.appendChild(el('dt', '', r[0]));
      facts.appendChild(el('dd', '', r[1]));
    });
  }

  function itemNode(it) {
    var wrap = el('span');
    if (it.problem) {
      wrap.appendChild(el('span', 'bubble grey', '[' + it.type + ' not shown: ' + it.problem + ']'));
      return wrap;
    }
    if (it.type === 'image' && it.media) {
      var img = el('img');
      img.src = it.media;
      img.alt = 'image';
      img.style.maxWidth = '160px';
      wrap.appendChild(img);
    } else if (it.media) {
      var a = el('a', '', '[' + it.type + '] ' + (it.fileName || '') + ' (' + it.size + ' bytes)');
      a.href = it.media;
      wrap.appendChild(a);
      if (it.text) wrap.appendChild(el('span', 'who', '“' + it.text + '”'));
    } else wrap.appendChild(document.createTextNode(it.text !== undefined ? it.text : '[' + it.type + ']'));
    return wrap;
  }

  function renderLog() {
    var b = bot();
    var log = $('log');
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = '';
    var u = user();
    lines
      .filter(function (l) {
        var owner = state.bots.filter(function (x) {
          return x.id === l.bot;
        })[0];
        return owner && owner.user === u;
      })
      .forEach(function (l) {
        var li = el('li', 'entry ' + (l.dir === 'out' ? 'them' : 'out'));
        li.appendChild(el('span', 'who', l.dir === 'out' ? 'ClawBot' + (l.generating ? ' (writing…)' : '') : 'me'));
        l.items.forEach(function (it) {
          li.appendChild(itemNode(it));
        });
        log.appendChild(li);
      });
    if (!b && !log.childNodes.length) log.appendChild(el('li', 'entry event', 'No bot yet.'));
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  // One refresh at a time (see serial in common.js): the interval and a send both ask for news from `since`.
  var refresh = page.serial(function () {
    return Promise.all([call('GET', '/state'), call('GET', '/chat?since=' + since)]).then(function (r) {
      state = r[0];
      lines = lines.concat(r[1].lines);
      since = r[1].next;
      renderUsers();
      renderQrs();
      renderBot();
      renderLog();
    }, showError);
  });

  $('composer-type').addEventListener('change', function () {
    var t = this.value;
    $('composer-file').hidden = !(t === 'image' || t === 'file' || t === 'video');
  });

  $('composer').addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError(null);
    var type = $('composer-type').value;
    var text = $('composer-text').value;
    var file = $('composer-file').files[0];
    var body = { user: user(), type: type };
    var ready = Promise.resolve();
    if (type === 'text') body.text = text;
    if (type === 'voice' && text) body.transcript = text;
    if (file && (type === 'image' || type === 'file' || type === 'video'))
      ready = readFile(file).then(function (b64) {
        body.data = b64;
        body.fileName = file.name;
      });
    ready
      .then(function () {
        return call('POST', '/messages', body);
      })
      .then(function () {
        $('composer-text').value = '';
        return refresh();
      })
      .catch(showError);
  });

  var ACTIONS = {
    'clock-1h': ['/clock', { advanceMs: 3600000 }],
    'clock-25h': ['/clock', { advanceMs: 25 * 3600000 }],
    rebind: ['/rebind', {}],
    'fault-524': ['/faults', { kind: 'http-524', endpoint: 'getupdates' }],
    'fault-dup': ['/faults', { kind: 'duplicate' }],
  };
  document.querySelectorAll('[data-action]').forEach(function (b) {
    b.addEventListener('click', function () {
      var a = ACTIONS[b.getAttribute('data-action')];
      var body = Object.assign({}, a[1]);
      if (a[0] === '/rebind') body.user = user();
      call('POST', a[0], body).then(refresh, showError);
    });
  });
  $('user').addEventListener('change', function () {
    renderBot();
    renderLog();
  });

  refresh();
  setInterval(refresh, 1000);
})();
