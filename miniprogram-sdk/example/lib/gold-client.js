'use strict';
// Gold-mining client for rpsio's /gold namespace (a turn-based, multiplayer
// minesweeper where the mines are gold), on top of the SDK. Like
// rps-client.js it uses no mini-program API: the gold page (and the Node
// tests, through a fake wx) drive it.
//
//   const gold = new GoldClient({ io, url: 'wss://rps.example.com', name: 'Ann', token, wx })
//   // or, sharing the SocketTask of an RpsClient (a mini-program may only open 5):
//   const gold = new GoldClient({ manager: rpsClient.socket.io, name, token })
//   gold.on('change', () => page.setData(goldView(gold)))
//   await gold.join({ size: 2 }); await gold.dig(0, 0)
//
// The lobby is plain HTTP (listRooms below): the socket is only needed once
// the player picks a room.

const { RoomClient, STATUS_TEXT } = require('./room-client');

class GoldClient extends RoomClient {
  constructor(opts) {
    super(opts, '/gold');
    this.board = null; // see emptyBoard()
    this.over = null; // the "over" payload of the current room
    this.lastDig = null; // the last "dug" payload
    this.turns = 0; // "turn" events received (tests and pages wait on it)
    // Server clock minus ours, in ms: a phone's clock may be off by minutes,
    // so the countdown goes by the server's deadline moved to our clock.
    this.clockOffset = 0;

    const socket = this.socket;
    socket.on('room', (room) => {
      if (this.room && room.id !== this.room.id) this._resetGame();
      this.room = room;
      if (room.state !== 'over') this.over = null;
      seatScores(this.board, room);
      this._emit('room', room);
      this._changed();
    });
    socket.on('board', (b) => {
      this.board = readBoard(b);
      seatScores(this.board, this.room);
      // Back in a room whose game ended while we were away.
      if (b.over) this.over = { scores: this.board.scores, winners: b.winners || [] };
      this._emit('board', b);
      this._changed();
    });
    socket.on('dug', (d) => {
      if (this.board) applyDug(this.board, d);
      this.lastDig = d;
      this._emit('dug', d);
      this._changed();
    });
    socket.on('turn', (t) => {
      if (!this.board) this.board = emptyBoard();
      this.board.turn = { playerId: t.playerId, deadline: t.deadline };
      // A turn starts when it is sent: deadline - duration is the server's now.
      if (t.duration > 0) this.clockOffset = t.deadline - t.duration - Date.now();
      this.turns++;
      this._emit('turn', t);
      this._changed();
    });
    socket.on('over', (o) => {
      this.over = o;
      if (this.board) {
        if (o.scores) this.board.scores = Object.assign({}, o.scores);
        this.board.turn = null;
      }
      this._emit('over', o);
      this._changed();
    });
  }

  _resetGame() {
    this.board = null;
    this.over = null;
    this.lastDig = null;
  }

  // join({size}) finds or creates a room of that size (2..4);
  // join({room, size}) takes a seat in that room if it has one.
  join(req) {
    const payload = {};
    if (req && req.room) payload.room = req.room;
    if (req && req.size) payload.size = req.size;
    return this._request('join', payload).then((res) => {
      if (res.room) {
        if (this.room && this.room.id !== res.room.id) this._resetGame();
        // The `room` event may have brought a newer state already.
        if (!this.room || this.room.id !== res.room.id) this.room = res.room;
        this._changed();
      }
      return res.room;
    });
  }

  dig(x, y) {
    return this._request('dig', { x, y });
  }

  leave() {
    return this._request('leave', {}).then((res) => {
      this.room = null;
      this._resetGame();
      this._changed();
      return res;
    });
  }

  state() {
    if (!this.room) return '';
    return this.over ? 'over' : this.room.state;
  }

  myTurn() {
    return !!(this.board && this.board.turn && this.board.turn.playerId === this.me.playerId && this.state() === 'playing');
  }

  // The turn's deadline is in server time (Unix ms).
  secondsLeft(now) {
    if (!this.board || !this.board.turn || this.state() !== 'playing') return 0;
    const deadline = this.board.turn.deadline - this.clockOffset;
    return Math.max(0, Math.ceil((deadline - (now || Date.now())) / 1000));
  }
}

// ---- the board as the client sees it: never more than the server sent

function emptyBoard() {
  return { width: 0, height: 0, total: 0, remaining: 0, cells: {}, scores: {}, turn: null };
}

function cellKey(x, y) {
  return x + ',' + y;
}

// Gold cells come with value -1 and who dug them (by).
function isGold(c) {
  return c.value < 0 || !!c.by;
}

// The "board" event: the whole visible state, sent on join and reconnect:
// {width, height, gold, remaining, opened: [{x, y, value, by?}], scores,
//  turn: {playerId, deadline, duration} | null, over, winners}.
function readBoard(b) {
  const board = emptyBoard();
  board.width = b.width;
  board.height = b.height;
  board.total = b.gold;
  board.remaining = b.remaining;
  (b.opened || []).forEach((c) => {
    board.cells[cellKey(c.x, c.y)] = isGold(c) ? { gold: true, by: c.by } : { value: c.value };
  });
  board.scores = Object.assign({}, b.scores || {});
  board.turn = b.turn && b.turn.playerId ? { playerId: b.turn.playerId, deadline: b.turn.deadline } : null;
  return board;
}

// A "dug" event: {by, x, y, gold, opened: [{x, y, value}]}; rpsio adds
// the new remaining and scores, which are taken as they come when present.
function applyDug(board, d) {
  (d.opened || []).forEach((c) => {
    if (d.gold && c.x === d.x && c.y === d.y) return;
    board.cells[cellKey(c.x, c.y)] = { value: c.value };
  });
  if (d.gold) {
    board.cells[cellKey(d.x, d.y)] = { gold: true, by: d.by };
    board.scores[d.by] = (board.scores[d.by] || 0) + 1;
    board.remaining = Math.max(0, board.remaining - 1);
  }
  if (typeof d.remaining === 'number') board.remaining = d.remaining;
  if (d.scores && typeof d.scores === 'object') board.scores = Object.assign({}, d.scores);
}

// Every seated player has a score, 0 until they dig gold (the board a
// player got on joining a waiting room only knew the players seated then).
function seatScores(board, room) {
  if (!board || !room) return;
  room.players.forEach((p) => {
    if (!(p.id in board.scores)) board.scores[p.id] = 0;
  });
}

// ---- the lobby over HTTP: GET /api/rooms?game=gold

// The HTTP origin of a ws(s):// or http(s):// server URL.
function httpUrl(url) {
  return url.replace(/\/+$/, '').replace(/^ws(s?):\/\//, 'http$1://');
}

// Lists the gold rooms with wx.request (or anything with its signature).
function listRooms(request, url) {
  return new Promise((resolve, reject) => {
    request({
      url: httpUrl(url) + '/api/rooms?game=gold',
      method: 'GET',
      dataType: 'json',
      success: (res) => {
        if (res.statusCode !== 200 || !res.data || !Array.isArray(res.data.rooms)) {
          reject(new Error('lobby: HTTP ' + res.statusCode));
          return;
        }
        resolve(res.data.rooms.filter((r) => !r.game || r.game === 'gold'));
      },
      fail: (err) => reject(new Error((err && err.errMsg) || 'lobby request failed')),
    });
  });
}

// Data for the lobby part of the gold page.
function goldLobbyView(rooms) {
  return {
    rooms: rooms.map((r) => ({
      id: r.id,
      size: r.size,
      players: r.players,
      state: r.state,
      text: r.players + '/' + r.size + ' · ' + r.state,
      canJoin: r.state === 'waiting' && r.players < r.size,
    })),
  };
}

function topScorers(scores) {
  let best = -1;
  let ids = [];
  Object.keys(scores).forEach((id) => {
    if (scores[id] > best) {
      best = scores[id];
      ids = [id];
    } else if (scores[id] === best) ids.push(id);
  });
  return ids;
}

// Data for the room part of the gold page: the grid as rows of cells, the
// players with their gold, whose turn, the countdown and the result.
function goldView(client, now) {
  const room = client.room;
  const board = client.board;
  const me = client.me.playerId;
  const state = client.state();
  const names = {};
  if (room) room.players.forEach((p) => (names[p.id] = p.name));
  const nameOf = (id) => names[id] || id;
  const canDig = client.myTurn();
  const last = client.lastDig;
  const rows = [];
  if (board) {
    for (let y = 0; y < board.height; y++) {
      const cells = [];
      for (let x = 0; x < board.width; x++) {
        const c = board.cells[cellKey(x, y)];
        const cell = { key: cellKey(x, y), x, y, state: 'closed', text: '', by: '', last: !!(last && last.x === x && last.y === y) };
        if (c && c.gold) {
          cell.state = 'gold';
          cell.by = c.by;
          cell.text = '★' + String(nameOf(c.by)).slice(0, 1);
        } else if (c) {
          cell.state = 'open';
          cell.value = c.value;
          cell.text = c.value ? String(c.value) : '';
        }
        cells.push(cell);
      }
      rows.push({ y, cells });
    }
  }
  const scores = board ? board.scores : {};
  const turn = board && board.turn && state === 'playing' ? board.turn.playerId : '';
  const players = room
    ? room.players.map((p) => ({
        id: p.id,
        name: p.name + (p.id === me ? ' (you)' : ''),
        connected: p.connected,
        score: scores[p.id] || 0,
        turn: p.id === turn,
      }))
    : [];
  let turnText = '';
  if (state === 'waiting') turnText = 'Waiting for players (' + players.length + '/' + room.size + ')';
  else if (state === 'over') turnText = 'Game over';
  else if (turn) turnText = canDig ? 'Your turn: dig a cell' : nameOf(turn) + '’s turn';
  let over = null;
  if (state === 'over') {
    const finalScores = (client.over && client.over.scores) || scores;
    const winners = client.over && client.over.winners ? client.over.winners : topScorers(finalScores);
    over = {
      winners,
      text: (winners.length > 1 ? 'Shared win: ' : 'Winner: ') + winners.map(nameOf).join(', '),
      won: winners.indexOf(me) !== -1,
      lines: Object.keys(finalScores).map((id) => ({ id, text: nameOf(id) + ': ' + finalScores[id] + ' gold' })),
    };
  }
  return {
    status: client.status,
    statusText: STATUS_TEXT[client.status] || client.status,
    inRoom: !!room,
    roomId: room ? room.id : '',
    roomState: state,
    size: room ? room.size : 0,
    width: board ? board.width : 0,
    height: board ? board.height : 0,
    total: board ? board.total : 0,
    remaining: board ? board.remaining : 0,
    rows,
    players,
    turn,
    myTurn: canDig,
    turnText,
    secondsLeft: client.secondsLeft(now),
    over,
  };
}

module.exports = { GoldClient, goldView, goldLobbyView, listRooms, httpUrl, readBoard, applyDug };
