// Demo client for the gold-mining contract on /gold (docs/PROTOCOL.md), on
// the rpsio SDK's browser transport, beside the RPS client of app.js. The
// lobby comes over HTTP (GET /api/rooms?game=gold); the socket opens only
// when the player enters a room, as in the original design.
//
// The page keeps its state in data attributes as well as in text, so tests
// (test/browser) can wait for states instead of sleeping:
//   #gold-game[data-state]     waiting | playing | over
//   #gold-game[data-me]        this player's id
//   #gold-game[data-turn]      the id of the player whose turn it is
//   #gold-game[data-my-turn]   "1" when this player may dig
//   #gold-game[data-turn-deadline]  the turn's deadline (changes with every turn)
//   #gold-game[data-opened]    how many cells are open
//   .cell[data-x][data-y][data-state=closed|open|gold][data-value][data-by]
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var sdk = window.rpsio;
  var TOKEN_KEY = 'rpsio-token';       // shared with app.js: one identity for both games
  var SEAT_KEY = 'rpsio-gold-room';    // the room this tab sits in, to come back after a reload
  var NAME_KEY = 'rpsio-gold-name';

  var socket = null;
  var me = null;        // {playerId, name, token}
  var room = null;      // last "room" payload
  var board = null;     // the visible board (see emptyBoard)
  var over = null;      // the "over" payload, once the game is over
  var lastDig = null;   // {x, y} of the last dig, to highlight it
  var timer = null;
  var lobbyTimer = null;
  var clockOffset = 0;  // server clock minus ours (ms), from the last "turn"

  // ---- tabs: #rps (default) and #gold

  function showTab() {
    var gold = location.hash === '#gold';
    $('rps-view').hidden = gold;
    $('gold-view').hidden = !gold;
    $('tab-rps').classList.toggle('active', !gold);
    $('tab-gold').classList.toggle('active', gold);
    if (gold && !socket) startLobby(); else stopLobby();
  }

  // ---- lobby

  function showError(msg) { $('gold-error').textContent = msg || ''; }

  function loadLobby() {
    return fetch('/api/rooms?game=gold').then(function (r) { return r.json(); }).then(function (body) {
      var list = (body.rooms || []).filter(function (r) { return !r.game || r.game === 'gold'; });
      var tbody = $('gold-rooms').querySelector('tbody');
      tbody.innerHTML = '';
      list.forEach(function (r) {
        var tr = document.createElement('tr');
        tr.dataset.room = r.id;
        tr.dataset.state = r.state;
        [r.id, r.players + '/' + r.size, r.state].forEach(function (t) {
          var td = document.createElement('td'); td.textContent = t; tr.appendChild(td);
        });
        var td = document.createElement('td');
        if (r.state === 'waiting' && r.players < r.size) {
          var b = document.createElement('button');
          b.type = 'button'; b.className = 'join-room'; b.textContent = 'Join';
          b.addEventListener('click', function () { enter({ room: r.id, size: r.size }); });
          td.appendChild(b);
        }
        tr.appendChild(td);
        tbody.appendChild(tr);
      });
      $('gold-rooms-empty').hidden = list.length > 0;
      $('gold-rooms').dataset.loaded = String(Number($('gold-rooms').dataset.loaded || 0) + 1);
    }).catch(function () {});
  }

  function startLobby() {
    if (lobbyTimer) return;
    loadLobby();
    lobbyTimer = setInterval(loadLobby, 2000);
  }

  function stopLobby() {
    if (lobbyTimer) { clearInterval(lobbyTimer); lobbyTimer = null; }
  }

  // ---- the board model

  function emptyBoard() {
    return { width: 0, height: 0, total: 0, remaining: 0, cells: {}, scores: {}, turn: null };
  }

  function key(x, y) { return x + ',' + y; }

  // A cell of the board: {value} for an opened number, {gold: true, by} for dug gold.
  function setCell(x, y, cell) { board.cells[key(x, y)] = cell; }

  // Gold cells come with value -1 and who dug them (by).
  function isGold(c) { return c.value < 0 || !!c.by; }

  // The "board" event: the whole visible state, sent on join and reconnect:
  // {width, height, gold, remaining, opened: [{x, y, value, by?}], scores,
  //  turn: {playerId, deadline} | null, over, winners}.
  function readBoard(b) {
    board = emptyBoard();
    board.width = b.width;
    board.height = b.height;
    board.total = b.gold;
    board.remaining = b.remaining;
    (b.opened || []).forEach(function (c) {
      if (isGold(c)) setCell(c.x, c.y, { gold: true, by: c.by });
      else setCell(c.x, c.y, { value: c.value });
    });
    board.scores = Object.assign({}, b.scores || {});
    board.turn = b.turn && b.turn.playerId ? { playerId: b.turn.playerId, deadline: b.turn.deadline } : null;
    // Back in a room whose game ended while we were away.
    if (b.over) over = { scores: board.scores, winners: b.winners || [] };
  }

  // A "dug" event: {by, x, y, gold, opened: [{x, y, value}]}.
  function applyDug(d) {
    if (!board) return;
    (d.opened || []).forEach(function (c) {
      if (d.gold && c.x === d.x && c.y === d.y) return;
      setCell(c.x, c.y, { value: c.value });
    });
    if (d.gold) {
      setCell(d.x, d.y, { gold: true, by: d.by });
      board.scores[d.by] = (board.scores[d.by] || 0) + 1;
      board.remaining = Math.max(0, board.remaining - 1);
    }
    // rpsio adds the new remaining and scores: take them as they come.
    if (typeof d.remaining === 'number') board.remaining = d.remaining;
    if (d.scores && typeof d.scores === 'object') board.scores = Object.assign({}, d.scores);
    lastDig = { x: d.x, y: d.y };
  }

  // Every seated player has a score, 0 until they dig gold (the board we got
  // on joining a waiting room only knew the players seated then).
  function seatScores() {
    if (!board || !room) return;
    room.players.forEach(function (p) {
      if (!(p.id in board.scores)) board.scores[p.id] = 0;
    });
  }

  // ---- rendering

  function nameOf(id) {
    var p = room && room.players.filter(function (x) { return x.id === id; })[0];
    return p ? p.name : id;
  }

  function state() {
    if (over) return 'over';
    return room ? room.state : '';
  }

  function myTurn() {
    return !!(me && board && board.turn && board.turn.playerId === me.playerId && state() === 'playing');
  }

  function render() {
    if (!room) return;
    var game = $('gold-game');
    var st = state();
    game.dataset.state = st;
    game.dataset.me = me ? me.playerId : '';
    game.dataset.turn = board && board.turn && st === 'playing' ? board.turn.playerId : '';
    game.dataset.myTurn = myTurn() ? '1' : '0';
    game.dataset.turnDeadline = board && board.turn && st === 'playing' ? String(board.turn.deadline) : '';
    $('gold-room-id').textContent = room.id;
    $('gold-state').textContent = st;
    renderBoard();
    renderPlayers();
    renderTurn();
    renderOver();
  }

  function renderBoard() {
    var el = $('gold-board');
    if (!board || !board.width) { el.innerHTML = ''; el.dataset.opened = '0'; return; }
    $('gold-total').textContent = board.total;
    $('gold-remaining').textContent = board.remaining;
    el.style.gridTemplateColumns = 'repeat(' + board.width + ', 2.4rem)';
    var canDig = myTurn();
    var opened = 0;
    // Rebuild only when the size changes; otherwise update the cells in place.
    if (el.childElementCount !== board.width * board.height) {
      el.innerHTML = '';
      for (var y = 0; y < board.height; y++) {
        for (var x = 0; x < board.width; x++) {
          var b = document.createElement('button');
          b.type = 'button';
          b.dataset.x = x; b.dataset.y = y;
          b.addEventListener('click', onCell);
          el.appendChild(b);
        }
      }
    }
    Array.prototype.forEach.call(el.children, function (b) {
      var x = Number(b.dataset.x), y = Number(b.dataset.y);
      var c = board.cells[key(x, y)];
      var isLast = !!(lastDig && lastDig.x === x && lastDig.y === y);
      if (!c) {
        b.className = 'cell closed' + (isLast ? ' last' : '');
        b.dataset.state = 'closed';
        delete b.dataset.value; delete b.dataset.by;
        b.textContent = '';
        b.title = '(' + x + ', ' + y + ')';
        b.disabled = !canDig;
        return;
      }
      opened++;
      b.disabled = true;
      if (c.gold) {
        b.className = 'cell gold' + (isLast ? ' last' : '');
        b.dataset.state = 'gold';
        b.dataset.by = c.by;
        delete b.dataset.value;
        b.textContent = '★ ' + initials(nameOf(c.by));
        b.title = 'gold dug by ' + nameOf(c.by);
      } else {
        b.className = 'cell open' + (isLast ? ' last' : '');
        b.dataset.state = 'open';
        b.dataset.value = c.value;
        delete b.dataset.by;
        b.textContent = c.value ? String(c.value) : '';
        b.title = c.value + ' gold around';
      }
    });
    el.dataset.opened = String(opened);
    $('gold-game').dataset.opened = String(opened);
  }

  function initials(name) {
    return String(name || '?').slice(0, 2);
  }

  function renderPlayers() {
    var tbody = $('gold-players').querySelector('tbody');
    tbody.innerHTML = '';
    var turn = board && board.turn && state() === 'playing' ? board.turn.playerId : null;
    room.players.forEach(function (p) {
      var tr = document.createElement('tr');
      tr.dataset.player = p.id;
      if (!p.connected) tr.className = 'offline';
      if (p.id === turn) tr.classList.add('turn');
      var score = board && board.scores[p.id] !== undefined ? board.scores[p.id] : 0;
      var cells = [p.name + (me && p.id === me.playerId ? ' (you)' : ''), score, p.connected ? '' : 'offline'];
      cells.forEach(function (t, i) {
        var td = document.createElement('td'); td.textContent = t;
        if (i === 1) td.className = 'score';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function renderTurn() {
    var p = $('gold-turn');
    var text = $('gold-turn-text');
    p.classList.toggle('mine', myTurn());
    var st = state();
    if (st === 'waiting') {
      text.textContent = 'Waiting for players (' + room.players.length + '/' + room.size + ')';
      $('gold-countdown').textContent = '';
    } else if (st === 'over') {
      text.textContent = 'Game over';
      $('gold-countdown').textContent = '';
    } else if (board && board.turn) {
      text.textContent = myTurn() ? 'Your turn: dig a cell' : nameOf(board.turn.playerId) + '’s turn';
    } else {
      text.textContent = '';
    }
    if (st === 'playing' && board && board.turn) {
      if (!timer) timer = setInterval(tick, 100);
      tick();
    } else if (timer) {
      clearInterval(timer); timer = null;
    }
  }

  function tick() {
    if (!board || !board.turn) return;
    var left = Math.max(0, board.turn.deadline - clockOffset - Date.now());
    $('gold-countdown').textContent = '· ' + (left / 1000).toFixed(1) + ' s left';
  }

  function renderOver() {
    var div = $('gold-over');
    if (state() !== 'over') { div.hidden = true; div.innerHTML = ''; return; }
    var scores = (over && over.scores) || (board && board.scores) || {};
    var winners = over && over.winners ? over.winners : topScorers(scores);
    div.hidden = false;
    div.innerHTML = '';
    div.dataset.winners = winners.join(',');
    var h = document.createElement('h3');
    var mine = me && winners.indexOf(me.playerId) !== -1;
    h.textContent = 'Game over: ' + (winners.length > 1 ? 'shared win for ' : 'won by ') +
      winners.map(nameOf).join(', ') + (mine ? ' (you!)' : '');
    div.appendChild(h);
    room.players.map(function (p) { return p.id; }).concat(Object.keys(scores).filter(function (id) {
      return !room.players.some(function (p) { return p.id === id; });
    })).forEach(function (id) {
      var line = document.createElement('p');
      line.className = 'line';
      line.dataset.player = id;
      line.textContent = nameOf(id) + ': ' + (scores[id] || 0) + ' gold';
      div.appendChild(line);
    });
  }

  function topScorers(scores) {
    var best = -1, ids = [];
    Object.keys(scores).forEach(function (id) {
      if (scores[id] > best) { best = scores[id]; ids = [id]; } else if (scores[id] === best) ids.push(id);
    });
    return ids;
  }

  function showGame(on) {
    $('gold-lobby').hidden = on;
    $('gold-game').hidden = !on;
    if (on) stopLobby(); else if (location.hash === '#gold') startLobby();
  }

  // ---- the socket

  // enter opens the /gold socket and joins: {size} finds or creates a room,
  // {room} joins that room when it has a seat. With `resume` (after a
  // reload) only our old room is accepted.
  function enter(req, resume) {
    showError('');
    if (socket) return;
    var name = $('gold-name').value.trim();
    sessionStorage.setItem(NAME_KEY, name);
    var token = sessionStorage.getItem(TOKEN_KEY) || undefined;
    socket = sdk.io(location.origin + '/gold', { auth: { name: name, token: token }, forceNew: true });
    var s = socket;
    s.on('connect_error', function (err) {
      if (err && err.data && err.data.code === 'invalid_token') {
        sessionStorage.removeItem(TOKEN_KEY);
        s.auth = { name: name };
        s.connect();
        return;
      }
      showError('cannot connect: ' + (err && err.message));
    });
    var joined = false;
    s.on('welcome', function (w) {
      me = w;
      sessionStorage.setItem(TOKEN_KEY, w.token);
      // Reconnections send the token: the server keeps our seat for the grace.
      s.auth = { name: w.name, token: w.token };
      $('gold-status').textContent = '';
      if (joined) { render(); return; }
      s.emit('join', req, function (res) {
        if (!res || !res.ok) {
          showError(res && res.error ? res.error.message : 'join failed');
          close();
          return;
        }
        if (resume && res.room.id !== req.room) {
          // Our old room is gone: don't stay in one we did not choose.
          s.emit('leave', {}, function () {});
          close();
          showError('room ' + req.room + ' is gone');
          return;
        }
        joined = true;
        sessionStorage.setItem(SEAT_KEY, res.room.id);
        if (!room || room.id !== res.room.id) { room = res.room; }
        showGame(true);
        render();
      });
    });
    s.on('room', function (r) {
      if (room && room.id !== r.id) { board = null; over = null; lastDig = null; }
      room = r;
      if (r.state !== 'over') over = null;
      seatScores();
      render();
    });
    s.on('board', function (b) { readBoard(b); seatScores(); render(); });
    s.on('dug', function (d) { applyDug(d); render(); });
    s.on('turn', function (t) {
      if (!board) board = emptyBoard();
      board.turn = { playerId: t.playerId, deadline: t.deadline };
      // A turn starts when it is sent: deadline - duration is the server's now.
      if (t.duration > 0) clockOffset = t.deadline - t.duration - Date.now();
      render();
    });
    s.on('over', function (o) {
      over = o;
      if (board && o.scores) board.scores = Object.assign({}, o.scores);
      if (board) board.turn = null;
      render();
    });
    s.on('disconnect', function (reason) {
      if (socket === s) $('gold-status').textContent = 'disconnected (' + reason + '), reconnecting…';
    });
  }

  function close() {
    if (socket) socket.disconnect();
    socket = null; room = null; board = null; over = null; lastDig = null;
    if (timer) { clearInterval(timer); timer = null; }
    sessionStorage.removeItem(SEAT_KEY);
    showGame(false);
  }

  function onCell(ev) {
    var b = ev.currentTarget;
    if (!socket || !myTurn()) return;
    var x = Number(b.dataset.x), y = Number(b.dataset.y);
    showError('');
    b.disabled = true;
    socket.emit('dig', { x: x, y: y }, function (res) {
      if (!res || !res.ok) {
        showError(res && res.error ? res.error.message + ' (' + res.error.code + ')' : 'dig failed');
        render();
      }
    });
  }

  $('gold-name').value = sessionStorage.getItem(NAME_KEY) || '';
  $('gold-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    enter({ size: Number($('gold-size').value) });
  });
  $('gold-leave').addEventListener('click', function () {
    if (!socket) return;
    // Leave even when the server does not answer (connection lost).
    socket.timeout(3000).emit('leave', {}, function () { close(); });
  });
  window.addEventListener('hashchange', showTab);
  showTab();
  // Back after a reload: the token and the room are in sessionStorage.
  var seat = sessionStorage.getItem(SEAT_KEY);
  if (seat && sessionStorage.getItem(TOKEN_KEY)) {
    if (location.hash !== '#gold') location.hash = '#gold';
    enter({ room: seat }, true);
  }
})();
