'use strict';
// Rock-paper-scissors client for rpsio's /rps namespace, on top of the SDK.
// Plain JavaScript without any mini-program API: the pages (and the Node
// tests, through a fake wx) drive it. The SDK's io() is passed in, so this
// file runs unchanged in the mini-program and in Node.
//
//   const client = new RpsClient({ io, url: 'wss://rps.example.com', name: 'Ann', token, wx })
//   client.on('change', () => page.setData(lobbyView(client)))
//   await client.join(2); await client.choose('rock')

const { RoomClient, STATUS_TEXT } = require('./room-client');

const MOVES = ['rock', 'paper', 'scissors'];
const BEATS = { rock: 'scissors', paper: 'rock', scissors: 'paper' };

function beats(a, b) {
  return BEATS[a] === b;
}

class RpsClient extends RoomClient {
  constructor(opts) {
    super(opts, '/rps');
    this.round = null; // { roomId, round, deadline (local ms), duration }
    this.myMove = null;
    this.chosen = {}; // playerId -> true, for the current round
    this.lastResult = null;
    this.results = [];

    const socket = this.socket;
    socket.on('room', (room) => {
      if (this.room && room.id !== this.room.id) this.results = [];
      this.room = room;
      this._emit('room', room);
      this._changed();
    });
    socket.on('start', (s) => {
      // After a reconnection the server sends the open round again: keep our move.
      const same = this.round && this.round.roomId === s.roomId && this.round.round === s.round;
      // deadline is in server time: count down from our own clock (and keep
      // the countdown we already have when the same round is sent again)
      const deadline = same ? this.round.deadline : Date.now() + s.duration;
      this.round = { roomId: s.roomId, round: s.round, duration: s.duration, deadline };
      if (!same) {
        this.myMove = null;
        this.chosen = {};
      }
      this._emit('start', s);
      this._changed();
    });
    socket.on('chosen', (c) => {
      if (this.round && c.round === this.round.round) this.chosen[c.playerId] = true;
      this._emit('chosen', c);
      this._changed();
    });
    socket.on('result', (r) => {
      this.lastResult = r;
      this.results.unshift(r);
      if (this.results.length > 10) this.results.pop();
      this._emit('result', r);
      this._changed();
    });
  }

  join(size) {
    return this._request('join', size ? { size } : {}).then((res) => {
      if (res.room) {
        this.room = res.room;
        this._changed();
      }
      return res.room;
    });
  }

  choose(move) {
    if (MOVES.indexOf(move) === -1) return Promise.reject(new Error('unknown move ' + move));
    const round = this.round ? this.round.round : this.room ? this.room.round : 0;
    this.myMove = move;
    this._changed();
    return this._request('choose', { round, move }).catch((err) => {
      this.myMove = null;
      this._changed();
      throw err;
    });
  }

  leave() {
    return this._request('leave', {}).then((res) => {
      this.room = null;
      this.round = null;
      this.myMove = null;
      this.results = [];
      this.lastResult = null;
      this._changed();
      return res;
    });
  }

  secondsLeft(now) {
    if (!this.round) return 0;
    return Math.max(0, Math.ceil((this.round.deadline - (now || Date.now())) / 1000));
  }
}

const MOVE_ICON = { rock: '✊', paper: '✋', scissors: '✌️' };

// Data for the lobby page.
function lobbyView(client) {
  return {
    status: client.status,
    statusText: STATUS_TEXT[client.status] || client.status,
    name: client.me.name,
    playerId: client.me.playerId,
    error: client.error || '',
    canPlay: client.status === 'connected',
  };
}

// Data for the game page.
function gameView(client, now) {
  const room = client.room;
  const me = client.me.playerId;
  const round = client.round;
  const players = room
    ? room.players.map((p) => ({
        id: p.id,
        name: p.name + (p.id === me ? ' (you)' : ''),
        connected: p.connected,
        total: p.total,
        streak: p.streak,
        chosen: !!client.chosen[p.id],
      }))
    : [];
  const view = {
    status: client.status,
    statusText: STATUS_TEXT[client.status] || client.status,
    roomId: room ? room.id : '',
    roomState: room ? room.state : '',
    size: room ? room.size : 0,
    players,
    round: round ? round.round : room ? room.round : 0,
    secondsLeft: client.secondsLeft(now),
    playing: !!(room && room.state === 'playing' && round && !client.myMove),
    myMove: client.myMove || '',
    myMoveIcon: client.myMove ? MOVE_ICON[client.myMove] : '',
    moves: MOVES.map((m) => ({ move: m, icon: MOVE_ICON[m] })),
    result: null,
  };
  const r = client.lastResult;
  if (r && room && r.roomId === room.id) {
    const names = {};
    room.players.forEach((p) => {
      names[p.id] = p.name;
    });
    const mine = r.moves[me];
    let wins = 0;
    let losses = 0;
    Object.keys(r.moves).forEach((id) => {
      if (id === me || !mine || !r.moves[id]) return;
      if (beats(mine, r.moves[id])) wins++;
      else if (beats(r.moves[id], mine)) losses++;
    });
    view.result = {
      round: r.round,
      outcome: !mine ? 'missed' : wins > losses ? 'win' : losses > wins ? 'lose' : 'draw',
      rows: r.players.map((p) => ({
        id: p.id,
        name: (names[p.id] || p.id) + (p.id === me ? ' (you)' : ''),
        move: r.moves[p.id] || '',
        icon: r.moves[p.id] ? MOVE_ICON[r.moves[p.id]] : '—',
        score: p.score,
        total: p.total,
        streak: p.streak,
        x: p.x,
      })),
    };
  }
  return view;
}

module.exports = { RpsClient, lobbyView, gameView, beats, MOVES };
