'use strict';
// A minimal in-process stand-in for rpsio's /rps namespace (the contract in
// docs/PROTOCOL.md), on the official socket.io server from test/reference.
// It lets the example's logic be tested when no rpsio binary is available;
// the same test runs against the real rpsio when RPSIO_BIN is set.
const http = require('http');
const path = require('path');
const { REFERENCE } = require('./servers');

const BEATS = { rock: 'scissors', paper: 'rock', scissors: 'paper' };

function startMockRps(opts) {
  opts = opts || {};
  const duration = opts.duration || 2000;
  const gap = opts.gap || 200;
  const { Server } = require(path.join(path.dirname(REFERENCE), 'node_modules', 'socket.io'));
  const httpServer = http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404);
    res.end();
  });
  const io = new Server(httpServer, { pingInterval: 300, pingTimeout: 200 });
  const nsp = io.of('/rps');
  const players = new Map(); // token -> player
  const rooms = new Map();
  const timers = new Set();
  let seq = 0;

  function later(fn, ms) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function roomView(room) {
    return {
      id: room.id,
      size: room.size,
      state: room.state,
      round: room.round,
      players: room.players.map((p) => ({ id: p.id, name: p.name, connected: p.connected, total: p.total, streak: p.streak })),
    };
  }

  function startRound(room) {
    if (!rooms.has(room.id)) return;
    room.state = 'playing';
    room.round++;
    room.moves = {};
    const round = room.round;
    nsp.to(room.id).emit('room', roomView(room));
    nsp.to(room.id).emit('start', { roomId: room.id, round, deadline: Date.now() + duration, duration });
    later(() => finishRound(room, round), duration);
  }

  function finishRound(room, round) {
    if (room.round !== round || room.finished === round) return;
    room.finished = round;
    const moves = {};
    room.players.forEach((p) => {
      moves[p.id] = room.moves[p.id] || null;
    });
    // docs/PROTOCOL.md rules: every pair plays once, winner +1, loser -1; x is
    // the sum; x > 0 extends the streak; score = x * streak; no move forfeits.
    const stats = room.players.map((p) => {
      let x = 0;
      room.players.forEach((q) => {
        if (q === p) return;
        const a = moves[p.id];
        const b = moves[q.id];
        if (a && (!b || BEATS[a] === b)) x++;
        else if (b && (!a || BEATS[b] === a)) x--;
      });
      p.streak = x > 0 ? p.streak + 1 : 0;
      const score = x * p.streak;
      p.total += score;
      return { id: p.id, x, streak: p.streak, score, total: p.total };
    });
    nsp.to(room.id).emit('result', { roomId: room.id, round, moves, players: stats });
    later(() => startRound(room), gap);
  }

  nsp.use((socket, next) => {
    const token = (socket.handshake.auth || {}).token;
    if (token && !players.has(token)) {
      const err = new Error('invalid token: unknown');
      err.data = { code: 'invalid_token' };
      return next(err);
    }
    next();
  });

  nsp.on('connection', (socket) => {
    const auth = socket.handshake.auth || {};
    let p = auth.token && players.get(auth.token);
    if (!p) {
      seq++;
      p = { id: 'p' + seq, name: auth.name || 'Player ' + seq, token: 'tok-' + seq + '-' + Math.random().toString(36).slice(2), total: 0, streak: 0, room: null };
      players.set(p.token, p);
    }
    p.connected = true;
    socket.emit('welcome', { playerId: p.id, name: p.name, token: p.token });
    if (p.room) {
      socket.join(p.room.id);
      nsp.to(p.room.id).emit('room', roomView(p.room));
    }
    socket.on('join', (msg, ack) => {
      const size = (msg && msg.size) || 2;
      let room = Array.from(rooms.values()).find((r) => r.state === 'waiting' && r.size === size && r.players.length < size);
      if (!room) {
        room = { id: 'r' + (rooms.size + 1), size, state: 'waiting', round: 0, players: [], moves: {} };
        rooms.set(room.id, room);
      }
      room.players.push(p);
      p.room = room;
      socket.join(room.id);
      ack({ ok: true, room: roomView(room) });
      nsp.to(room.id).emit('room', roomView(room));
      if (room.players.length === room.size) startRound(room);
    });
    socket.on('choose', (msg, ack) => {
      const room = p.room;
      if (!room || room.state !== 'playing') return ack({ ok: false, error: { code: 'not_playing', message: 'not in a round' } });
      if (!msg || msg.round !== room.round) return ack({ ok: false, error: { code: 'bad_round', message: 'wrong round' } });
      if (!BEATS[msg.move]) return ack({ ok: false, error: { code: 'bad_move', message: 'bad move' } });
      room.moves[p.id] = msg.move;
      ack({ ok: true });
      nsp.to(room.id).emit('chosen', { roomId: room.id, round: room.round, playerId: p.id });
      if (room.players.every((q) => room.moves[q.id])) finishRound(room, room.round);
    });
    socket.on('leave', (msg, ack) => {
      const room = p.room;
      if (room) {
        room.players = room.players.filter((q) => q !== p);
        socket.leave(room.id);
        p.room = null;
        if (room.players.length === 0) rooms.delete(room.id);
        else nsp.to(room.id).emit('room', roomView(room));
      }
      ack({ ok: true });
    });
    socket.on('disconnect', () => {
      p.connected = false;
      if (p.room) nsp.to(p.room.id).emit('room', roomView(p.room));
    });
  });

  return new Promise((resolve) => {
    httpServer.listen(0, '127.0.0.1', () => {
      resolve({
        url: 'http://127.0.0.1:' + httpServer.address().port,
        stop() {
          for (const t of timers) clearTimeout(t);
          return new Promise((r) => io.close(() => r()));
        },
      });
    });
  });
}

module.exports = { startMockRps };
