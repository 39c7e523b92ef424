// The sandbox phone page: a small plain script over the control API (/sandbox/api). All user
// content (nicknames, topics, messages) is put into the page with textContent, never as HTML.
(function () {
  'use strict';
  var page = window.sandboxPage;
  var $ = page.$;
  var el = page.el;
  var call = page.caller('/sandbox/api');
  var showError = page.errorLine('composer-error');
  var readFile = page.readFile;
  var state = null;
  var selected = null; // { kind: 'friend' | 'room', id }
  var since = 0;
  var journal = [];

  function account() {
    if (!state) return null;
    var id = $('account').value;
    for (var i = 0; i < state.accounts.length; i++) if (state.accounts[i].id === id) return state.accounts[i];
    return state.accounts[0] || null;
  }

  function renderQrs() {
    var list = $('qr-list');
    list.textContent = '';
    var focus = list.getAttribute('data-focus');
    state.qrcodes
      .slice()
      .reverse()
      .forEach(function (q) {
        var li = el('li', 'qr');
        li.setAttribute('data-uuid', q.uuid);
        if (q.uuid === focus) li.classList.add('focus');
        var img = el('img');
        img.alt = 'QR ' + q.uuid;
        img.src = '/qrcode/' + encodeURIComponent(q.uuid);
        li.appendChild(img);
        li.appendChild(el('div', 'status', q.uuid + ' — ' + q.status + (q.account ? ' (' + q.account + ')' : '')));
        [
          ['scan', 'Scan', q.status === 'waiting'],
          ['confirm', 'Confirm', q.status === 'scanned'],
          ['cancel', 'Cancel', q.status === 'waiting' || q.status === 'scanned'],
        ].forEach(function (b) {
          var btn = el('button', '', b[1]);
          btn.setAttribute('data-act', b[0]);
          btn.disabled = !b[2];
          btn.addEventListener('click', function () {
            var body = { uuid: q.uuid };
            if (b[0] === 'scan') body.account = $('account').value;
            call('POST', '/qr/' + b[0], body).then(refresh, showError);
          });
          li.appendChild(btn);
        });
        list.appendChild(li);
      });
    if (!state.qrcodes.length) list.appendChild(el('li', 'hint', 'No QR codes yet: start your bot.'));
  }

  function renderChats() {
    var a = account();
    var list = $('chat-list');
    list.textContent = '';
    if (!a) return;
    var badge = $('account-state');
    badge.textContent = a.state;
    badge.className = 'badge ' + a.state;
    var filter = $('chat-filter').value.toLowerCase();
    var items = a.rooms
      .map(function (r) {
        return { kind: 'room', id: r.id, name: r.topic + ' (' + r.members.length + ')' };
      })
      .concat(
        a.friends.map(function (f) {
          return { kind: 'friend', id: f.id, name: f.nickname + (f.kind === 'official' ? ' [official]' : '') };
        }),
      );
    items.forEach(function (it) {
      if (filter && it.name.toLowerCase().indexOf(filter) < 0) return;
      var li = el('li', selected && selected.id === it.id ? 'selected' : '', it.name);
      li.setAttribute('data-chat', it.id);
      li.addEventListener('click', function () {
        select(it);
      });
      list.appendChild(li);
    });
  }

  function findRoom(id) {
    var a = account();
    if (!a) return null;
    for (var i = 0; i < a.rooms.length; i++) if (a.rooms[i].id === id) return a.rooms[i];
    return null;
  }

  function select(it) {
    selected = it;
    $('chat-title').textContent = it.name;
    var from = $('composer-from');
    from.textContent = '';
    if (it.kind === 'room') {
      var room = findRoom(it.id);
      var a = account();
      (room ? room.members : []).forEach(function (m) {
        if (a && m.id === a.id) return;
        var o = el('option', '', m.displayName ? m.displayName + ' (' + m.nickname + ')' : m.nickname);
        o.value = m.id;
        from.appendChild(o);
      });
    } else {
      var o = el('option', '', it.name);
      o.value = it.id;
      from.appendChild(o);
    }
    renderChats();
    renderLog();
  }

  function entryNode(e) {
    var li = el('li', 'entry ' + e.dir);
    li.setAttribute('data-type', e.type);
    if (e.dir !== 'event') li.appendChild(el('span', 'who', e.dir === 'out' ? 'bot → ' + e.chatName : e.fromName));
    var body = e.type === 'text' || e.type === 'system' ? e.text : '[' + e.type + '] ' + (e.fileName || e.text || '');
    li.appendChild(el('span', 'text', body));
    if (e.media && e.type === 'image') {
      var img = el('img');
      img.src = e.media;
      img.alt = e.fileName || 'image';
      img.style.maxWidth = '160px';
      li.appendChild(img);
    } else if (e.media) {
      var a = el('a', '', 'download');
      a.href = e.media;
      li.appendChild(a);
    }
    return li;
  }

  function renderLog() {
    var log = $('log');
    log.textContent = '';
    if (!selected) return;
    journal.forEach(function (e) {
      if (e.chat === selected.id && e.account === $('account').value) log.appendChild(entryNode(e));
    });
    log.scrollTop = log.scrollHeight;
  }

  // One journal request at a time (see serial in common.js): the interval and a send both ask for news.
  var poll = page.serial(function () {
    return call('GET', '/journal?since=' + since)
      .then(function (j) {
        if (j.entries.length) {
          journal = journal.concat(j.entries).slice(-2000);
          since = j.next;
          var feed = $('feed');
          j.entries.forEach(function (e) {
            var n = entryNode(e);
            n.insertBefore(el('span', 'who', e.account + ' · ' + e.chatName), n.firstChild);
            feed.insertBefore(n, feed.firstChild);
          });
          while (feed.children.length > 100) feed.removeChild(feed.lastChild);
          renderLog();
        }
      })
      .catch(function () {
        /* the sandbox may be restarting */
      });
  });

  function refresh() {
    return call('GET', '/state')
      .then(function (s) {
        state = s;
        renderQrs();
        renderChats();
      })
      .catch(showError);
  }

  $('composer-type').addEventListener('change', function () {
    $('composer-file').hidden = $('composer-type').value === 'text';
  });

  $('composer').addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError(null);
    if (!selected) return showError('Pick a chat first.');
    var type = $('composer-type').value;
    var body = { account: $('account').value, from: $('composer-from').value, type: type, text: $('composer-text').value };
    if (selected.kind === 'room') body.room = selected.id;
    var file = $('composer-file').files[0];
    var ready = Promise.resolve();
    if (type !== 'text' && file) {
      ready = readFile(file).then(function (data) {
        body.data = data;
        body.fileName = file.name;
      });
    }
    ready
      .then(function () {
        return call('POST', '/messages', body);
      })
      .then(function () {
        $('composer-text').value = '';
        poll();
      }, showError);
  });

  document.querySelectorAll('[data-event]').forEach(function (btn) {
    btn.addEventListener('click', function () {
      showError(null);
      var acct = $('account').value;
      var kind = btn.getAttribute('data-event');
      var needRoom = kind === 'join' || kind === 'leave' || kind === 'rename';
      if ((needRoom && (!selected || selected.kind !== 'room')) || (kind === 'open-chat' && !selected))
        return showError('Pick a ' + (needRoom ? 'group' : 'chat') + ' first.');
      var req;
      if (kind === 'open-chat') req = call('POST', '/phone/open-chat', { account: acct, chat: selected.id });
      else if (kind === 'logout') req = call('POST', '/phone/logout', { account: acct });
      else if (kind === 'other-login') req = call('POST', '/phone/other-login', { account: acct });
      else if (kind === 'friend-request')
        req = call('POST', '/friends/request', { account: acct, greeting: window.prompt('Greeting', 'Hi, I am a new friend') || '' });
      else if (kind === 'join')
        req = call('POST', '/rooms/join', { account: acct, room: selected.id, member: window.prompt('New member name', '') || undefined });
      else if (kind === 'leave') req = call('POST', '/rooms/leave', { account: acct, room: selected.id, member: $('composer-from').value });
      else if (kind === 'rename') {
        var topic = window.prompt('New group name', '');
        if (!topic) return;
        req = call('POST', '/rooms/rename', { account: acct, room: selected.id, topic: topic, by: $('composer-from').value });
      }
      req.then(refresh, showError);
    });
  });

  $('account').addEventListener('change', function () {
    selected = null;
    $('log').textContent = '';
    refresh();
  });
  $('chat-filter').addEventListener('input', renderChats);
  refresh();
  poll();
  setInterval(refresh, 1500);
  setInterval(poll, 700);
})();
