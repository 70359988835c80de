// Demo client for the /rps contract (docs/PROTOCOL.md), on the rpsio SDK's
// browser transport. The lobby comes over HTTP; the socket opens only when
// the player joins a room, as in the original design.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var sdk = window.rpsio;
  var socket = null;
  var me = null;          // {playerId, name, token}
  var room = null;        // last "room" payload
  var round = null;       // last "start" payload
  var timer = null;
  var settled = 0;        // last round whose result arrived

  function showError(msg) { $('error').textContent = msg || ''; }

  function loadLobby() {
    fetch('/api/rooms?game=rps').then(function (r) { return r.json(); }).then(function (body) {
      var tbody = $('rooms').querySelector('tbody');
      tbody.innerHTML = '';
      body.rooms.forEach(function (r) {
        var tr = document.createElement('tr');
        [r.id, r.players + '/' + r.size, r.state].forEach(function (t) {
          var td = document.createElement('td'); td.textContent = t; tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
    }).catch(function () {});
    fetch('/api/stats').then(function (r) { return r.json(); }).then(function (s) {
      $('stats').textContent = s.connections + ' connected · ' + s.rooms + ' rooms · ' + s.roundsSettled + ' rounds played';
    }).catch(function () {});
  }

  function renderRoom() {
    if (!room) return;
    $('room-id').textContent = room.id;
    $('state').textContent = room.state;
    $('round').textContent = room.round;
    var tbody = $('players').querySelector('tbody');
    tbody.innerHTML = '';
    room.players.forEach(function (p) {
      var tr = document.createElement('tr');
      tr.dataset.player = p.id;
      if (!p.connected) tr.className = 'offline';
      [p.name + (me && p.id === me.playerId ? ' (you)' : ''), p.total, p.streak, p.connected ? '' : 'offline'].forEach(function (t) {
        var td = document.createElement('td'); td.textContent = t; tr.appendChild(td);
      });
      var mark = document.createElement('td'); mark.className = 'chosen'; tr.appendChild(mark);
      tbody.appendChild(tr);
    });
    if (room.state !== 'playing') { setMovesEnabled(false); $('countdown').textContent = 'waiting for players'; }
  }

  function setMovesEnabled(on) {
    Array.prototype.forEach.call(document.querySelectorAll('.move'), function (b) {
      b.disabled = !on; if (on) b.classList.remove('picked');
    });
  }

  function tick() {
    if (!round) return;
    var left = Math.max(0, round.deadline - Date.now());
    $('countdown').textContent = (left / 1000).toFixed(1) + ' s left';
    if (left <= 0) { clearInterval(timer); timer = null; }
  }

  function nameOf(id) {
    var p = room && room.players.filter(function (x) { return x.id === id; })[0];
    return p ? p.name : id;
  }

  function connect(name) {
    var token = sessionStorage.getItem('rpsio-token') || undefined;
    socket = sdk.io(location.origin + '/rps', { auth: { name: name, token: token } });
    socket.on('connect_error', function (err) {
      if (err && err.data && err.data.code === 'invalid_token') {
        sessionStorage.removeItem('rpsio-token');
        socket.auth = { name: name };
        socket.connect();
        return;
      }
      showError('cannot connect: ' + (err && err.message));
    });
    socket.on('welcome', function (w) {
      me = w;
      sessionStorage.setItem('rpsio-token', w.token);
      var size = Number($('size').value);
      socket.emit('join', { size: size }, function (res) {
        if (!res.ok) { showError(res.error.message); return; }
        $('lobby').hidden = true; $('game').hidden = false;
        room = res.room; renderRoom();
      });
    });
    socket.on('room', function (r) { room = r; renderRoom(); });
    socket.on('start', function (s) {
      round = s;
      $('round').textContent = s.round;
      $('status').textContent = 'Round ' + s.round + ': pick a move';
      setMovesEnabled(true);
      if (timer) clearInterval(timer);
      timer = setInterval(tick, 100); tick();
      Array.prototype.forEach.call(document.querySelectorAll('td.chosen'), function (td) { td.textContent = ''; });
    });
    socket.on('chosen', function (c) {
      var tr = document.querySelector('tr[data-player="' + c.playerId + '"] td.chosen');
      if (tr) tr.textContent = '✔ chosen';
    });
    socket.on('result', function (r) {
      settled = r.round;
      setMovesEnabled(false);
      if (timer) { clearInterval(timer); timer = null; }
      $('countdown').textContent = 'round over';
      var lines = r.players.map(function (p) {
        return nameOf(p.id) + ': ' + (r.moves[p.id] || 'no move') + ', x ' + p.x + ', score ' + p.score + ', total ' + p.total;
      });
      var div = $('result');
      div.dataset.round = r.round;
      div.innerHTML = '';
      var h = document.createElement('h3'); h.textContent = 'Round ' + r.round + ' result'; div.appendChild(h);
      lines.forEach(function (l) { var p = document.createElement('p'); p.className = 'line'; p.textContent = l; div.appendChild(p); });
      var mine = r.players.filter(function (p) { return me && p.id === me.playerId; })[0];
      $('status').textContent = mine ? (mine.x > 0 ? 'You won the round' : mine.x < 0 ? 'You lost the round' : 'Draw') : '';
    });
    socket.on('disconnect', function (reason) { $('status').textContent = 'disconnected (' + reason + '), reconnecting…'; });
  }

  $('join-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError('');
    if (socket) return;
    connect($('name').value.trim());
  });
  Array.prototype.forEach.call(document.querySelectorAll('.move'), function (b) {
    b.addEventListener('click', function () {
      if (!round) return;
      var move = b.dataset.move;
      var n = round.round;
      socket.emit('choose', { round: n, move: move }, function (res) {
        if (!res.ok) { showError(res.error.message); return; }
        b.classList.add('picked');
        // The last choice settles the round at once: the result can come
        // before this ack.
        if (settled === n) return;
        setMovesEnabled(false);
        $('status').textContent = 'You chose ' + move + '; waiting for the others';
      });
    });
  });
  $('leave').addEventListener('click', function () {
    if (!socket) return;
    socket.emit('leave', {}, function () {
      socket.disconnect(); socket = null; room = null; round = null;
      $('game').hidden = true; $('lobby').hidden = false; loadLobby();
    });
  });
  loadLobby();
  setInterval(function () { if (!socket) loadLobby(); }, 3000);
})();
