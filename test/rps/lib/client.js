'use strict';
// A player: one official socket.io-client 4.x socket on /rps, with every event it receives
// recorded in order, so tests can wait for "the next X matching P" without racing the server
// (an event that arrived before the test started waiting is still found).
//
// Every received packet is also checked against the contract as it arrives:
//   - the payload keys of welcome/room/start/chosen/result are exactly the documented ones, with
//     the documented types;
//   - every room event (room/start/chosen/result) carries an integer "seq" >= 1, and the seqs of
//     one room never go back in the order this player receives them. The recorded payloads
//     (what next() and all() return) have "seq" taken out, so tests compare the rest exactly;
//     entries keep it as entry.seq;
//   - no move ("rock"/"paper"/"scissors") and no "move"/"moves" key appears in any event but
//     "result", checked both on the parsed payload and on the raw Engine.IO packet text.
// Violations are kept in player.problems; every wait fails as soon as there is one, and
// assertClean() fails a test that saw any. The player itself (recording, waits, seq order, acks)
// is test/lib/player.js, shared with test/gold.
const { io } = require('socket.io-client');
const {
  GamePlayer, checkShape, track, assertError, assertOk, withoutSeq, isObj, sameKeys, isInt, short, DEFAULT_TIMEOUT_MS,
} = require('../../lib/player');

const MOVES = ['rock', 'paper', 'scissors'];

const SHAPES = {
  welcome: ['name', 'playerId', 'token'],
  room: ['id', 'players', 'round', 'seq', 'size', 'state'],
  start: ['deadline', 'duration', 'round', 'roomId', 'seq'],
  chosen: ['playerId', 'roomId', 'round', 'seq'],
  result: ['moves', 'players', 'roomId', 'round', 'seq'],
};
const ROOM_PLAYER_KEYS = ['connected', 'id', 'name', 'streak', 'total'];
const RESULT_PLAYER_KEYS = ['id', 'score', 'streak', 'total', 'x'];

// Deep search for a move string or a move-ish key in a payload.
function findMove(v, where = '$') {
  if (typeof v === 'string') return MOVES.includes(v.toLowerCase()) ? `${where} = ${JSON.stringify(v)}` : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const f = findMove(v[i], `${where}[${i}]`);
      if (f) return f;
    }
    return null;
  }
  if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (/^moves?$/i.test(k)) return `${where}.${k} (a move key)`;
      const f = findMove(x, `${where}.${k}`);
      if (f) return f;
    }
  }
  return null;
}

// Returns a list of contract violations of one received event.
function checkEvent(name, args) {
  const { out, ok } = checkShape(SHAPES, name, args);
  if (!ok) return out;
  const d = args[0];
  if (name !== 'result') {
    const leak = findMove(d);
    if (leak) out.push(`"${name}" leaks a move before the result: ${leak} in ${short(d)}`);
  }
  const bad = (what) => out.push(`"${name}" ${what}: ${short(d)}`);
  if (name !== 'welcome' && (!isInt(d.seq) || d.seq < 1)) bad('seq not an integer >= 1');
  switch (name) {
    case 'welcome':
      if (typeof d.playerId !== 'string' || !d.playerId) bad('playerId not a non-empty string');
      if (typeof d.name !== 'string' || !d.name) bad('name not a non-empty string');
      if (typeof d.token !== 'string' || !d.token) bad('token not a non-empty string');
      break;
    case 'room':
      if (typeof d.id !== 'string' || !d.id) bad('id not a non-empty string');
      if (!isInt(d.size) || d.size < 2 || d.size > 8) bad('size not an integer 2..8');
      if (d.state !== 'waiting' && d.state !== 'playing') bad('state not waiting|playing');
      if (!isInt(d.round) || d.round < 0) bad('round not an integer >= 0');
      if (!Array.isArray(d.players) || d.players.length > d.size) bad('players not an array of at most size');
      else {
        for (const p of d.players) {
          if (!sameKeys(p, ROOM_PLAYER_KEYS)) bad(`player keys ${short(p)}, want exactly ${short(ROOM_PLAYER_KEYS)}`);
          else if (typeof p.id !== 'string' || typeof p.name !== 'string' || typeof p.connected !== 'boolean'
            || !isInt(p.total) || !isInt(p.streak) || p.streak < 0) bad(`player types ${short(p)}`);
        }
        if (d.state === 'playing' && d.players.length !== d.size) bad('playing but not full');
      }
      break;
    case 'start':
      if (typeof d.roomId !== 'string' || !d.roomId) bad('roomId not a non-empty string');
      if (!isInt(d.round) || d.round < 1) bad('round not an integer >= 1');
      if (!isInt(d.deadline) || d.deadline < 1e12) bad('deadline not Unix milliseconds');
      if (!isInt(d.duration) || d.duration <= 0) bad('duration not a positive integer');
      break;
    case 'chosen':
      if (typeof d.roomId !== 'string' || !d.roomId) bad('roomId not a non-empty string');
      if (!isInt(d.round) || d.round < 1) bad('round not an integer >= 1');
      if (typeof d.playerId !== 'string' || !d.playerId) bad('playerId not a non-empty string');
      break;
    case 'result':
      if (typeof d.roomId !== 'string' || !d.roomId) bad('roomId not a non-empty string');
      if (!isInt(d.round) || d.round < 1) bad('round not an integer >= 1');
      if (!isObj(d.moves)) bad('moves not an object');
      else {
        for (const m of Object.values(d.moves)) if (m !== null && !MOVES.includes(m)) bad(`move ${short(m)} not a move or null`);
      }
      if (!Array.isArray(d.players)) bad('players not an array');
      else {
        for (const p of d.players) {
          if (!sameKeys(p, RESULT_PLAYER_KEYS)) bad(`player keys ${short(p)}, want exactly ${short(RESULT_PLAYER_KEYS)}`);
          else if (typeof p.id !== 'string' || ![p.x, p.streak, p.score, p.total].every(isInt)) bad(`player types ${short(p)}`);
        }
        if (isObj(d.moves) && JSON.stringify(Object.keys(d.moves).sort()) !== JSON.stringify(d.players.map((p) => p.id).sort())) {
          bad('moves keys are not the players');
        }
      }
      break;
    default:
  }
  return out;
}

// Raw check of an Engine.IO "message" packet: a Socket.IO EVENT ("2[/rps,][id][...]") other than
// "result" must not contain a move anywhere in its text.
function checkRaw(data) {
  if (typeof data !== 'string' || data[0] !== '2') return null; // acks, connects, binary: not events we get
  const m = /^2(?:\/[^,]*,)?\d*(\[.*)$/s.exec(data);
  if (!m) return `unparseable event packet ${short(data)}`;
  let arr;
  try { arr = JSON.parse(m[1]); } catch { return `event packet is not JSON: ${short(data)}`; }
  if (arr[0] === 'result') return null;
  // Whole JSON strings only: ids and tokens are random text that may contain "rock" by chance.
  if (/"(rock|paper|scissors)"|"moves?"\s*:/i.test(m[1])) return `raw packet of "${arr[0]}" mentions a move before the result: ${short(data)}`;
  return null;
}

class Player extends GamePlayer {
  // opts: see GamePlayer (name, token, auth, transports, label, tolerateReorder).
  constructor(server, opts) {
    super(io, '/rps', server, opts);
  }

  checkEvent(name, args) { return checkEvent(name, args); }

  rawEvent(data) {
    const problem = checkRaw(data);
    if (problem) this.problem(problem);
  }

  join(size) { return this.ack('join', size === undefined ? {} : { size }); }

  choose(round, move) { return this.ack('choose', { round, move }); }
}

const connect = (t, server, opts) => Player.connect(t, server, opts);

module.exports = {
  Player, connect, track, assertError, assertOk, checkEvent, checkRaw, withoutSeq, MOVES, DEFAULT_TIMEOUT_MS,
};
