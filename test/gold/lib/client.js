'use strict';
// A gold player: one official socket.io-client 4.x socket on /gold, with every event it receives
// recorded in order, so tests can wait for "the next X matching P" without racing the server.
//
// Every received event is checked against the contract as it arrives:
//   - payload keys of welcome/room/board/dug/turn/over are exactly the documented ones, with the
//     documented types; every room event carries an integer "seq" >= 1, and the seqs of one room
//     never go back in the order received (recorded payloads have "seq" taken out, kept as
//     entry.seq, so tests compare the rest exactly);
//   - no event reveals a closed cell: the player keeps the board as the events show it (cells
//     opened by "dug", or listed by "board"), and every {x, y} object in any payload must be an
//     open cell once that event is applied; a gold value (-1) only ever appears for a cell that a
//     "dug" with gold: true opened. The raw Engine.IO text is also checked for a "gold" list.
// Violations are kept in player.problems; every wait fails as soon as there is one, and
// assertClean() fails a test that saw any. The player itself (recording, waits, seq order, acks)
// is test/lib/player.js, shared with test/rps.
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');
const {
  GamePlayer, checkShape, track, assertError, assertOk: baseAssertOk, withoutSeq, isObj, sameKeys, isInt, short,
  DEFAULT_TIMEOUT_MS,
} = require('../../lib/player');

const SHAPES = {
  welcome: ['name', 'playerId', 'token'],
  room: ['id', 'players', 'seq', 'size', 'state'],
  board: ['gold', 'height', 'opened', 'over', 'remaining', 'roomId', 'scores', 'seq', 'turn', 'width', 'winners'],
  dug: ['by', 'gold', 'opened', 'remaining', 'roomId', 'scores', 'seq', 'x', 'y'],
  turn: ['deadline', 'duration', 'playerId', 'roomId', 'seq'],
  over: ['roomId', 'scores', 'seq', 'winners'],
};
const ROOM_PLAYER_KEYS = ['connected', 'id', 'name', 'score'];
const TURN_KEYS = ['deadline', 'duration', 'playerId', 'roomId'];

function checkCell(c, { width, height } = {}) {
  if (!isObj(c)) return 'cell not an object';
  const gold = c.value === -1;
  if (!sameKeys(c, gold ? ['by', 'value', 'x', 'y'] : ['value', 'x', 'y'])) return `cell keys ${short(c)}`;
  if (!isInt(c.x) || !isInt(c.y) || c.x < 0 || c.y < 0) return `cell coordinates ${short(c)}`;
  if (width !== undefined && (c.x >= width || c.y >= height)) return `cell off the board ${short(c)}`;
  if (!isInt(c.value) || c.value < -1 || c.value > 8) return `cell value ${short(c)}`;
  if (gold && (typeof c.by !== 'string' || !c.by)) return `gold cell without by ${short(c)}`;
  return null;
}

function checkScores(s) {
  return isObj(s) && Object.values(s).every((n) => isInt(n) && n >= 0);
}

// Returns the contract violations of one received event (shapes and types only).
function checkEvent(name, args) {
  const { out, ok } = checkShape(SHAPES, name, args);
  if (!ok) return out;
  const d = args[0];
  const bad = (what) => out.push(`"${name}" ${what}: ${short(d)}`);
  if (name !== 'welcome' && (!isInt(d.seq) || d.seq < 1)) bad('seq not an integer >= 1');
  const turnOK = (t) => sameKeys(t, TURN_KEYS) && typeof t.playerId === 'string' && t.playerId
    && isInt(t.deadline) && t.deadline > 1e12 && isInt(t.duration) && t.duration > 0;
  switch (name) {
    case 'welcome':
      if (typeof d.playerId !== 'string' || !d.playerId || typeof d.token !== 'string' || !d.token || typeof d.name !== 'string') bad('types');
      break;
    case 'room':
      if (typeof d.id !== 'string' || !d.id) bad('id not a non-empty string');
      if (!isInt(d.size) || d.size < 2 || d.size > 4) bad('size not an integer 2..4');
      if (!['waiting', 'playing', 'over'].includes(d.state)) bad('state not waiting|playing|over');
      if (!Array.isArray(d.players) || d.players.length > d.size) bad('players not an array of at most size');
      else {
        for (const p of d.players) {
          if (!sameKeys(p, ROOM_PLAYER_KEYS) || typeof p.id !== 'string' || typeof p.name !== 'string'
            || typeof p.connected !== 'boolean' || !isInt(p.score) || p.score < 0) bad(`player ${short(p)}`);
        }
      }
      break;
    case 'board':
      if (!isInt(d.width) || !isInt(d.height) || d.width < 2 || d.height < 2) bad('width/height');
      if (!isInt(d.gold) || !isInt(d.remaining) || d.remaining < 0 || d.remaining > d.gold) bad('gold/remaining');
      if (!Array.isArray(d.opened)) bad('opened not an array');
      else for (const c of d.opened) { const p = checkCell(c, d); if (p) bad(p); }
      if (!checkScores(d.scores)) bad('scores');
      if (d.turn !== null && !turnOK(d.turn)) bad('turn neither null nor a turn');
      if (typeof d.over !== 'boolean' || !Array.isArray(d.winners)) bad('over/winners');
      if (d.over !== (Array.isArray(d.winners) && d.winners.length > 0)) bad('winners and over disagree');
      if (d.over && d.turn !== null) bad('a turn once over');
      break;
    case 'dug':
      if (typeof d.by !== 'string' || !isInt(d.x) || !isInt(d.y) || typeof d.gold !== 'boolean') bad('by/x/y/gold');
      if (!Array.isArray(d.opened) || d.opened.length === 0) bad('opened not a non-empty array');
      else {
        for (const c of d.opened) { const p = checkCell(c); if (p) bad(p); }
        const first = d.opened[0];
        if (first.x !== d.x || first.y !== d.y) bad('the dug cell is not first in opened');
        if ((first.value === -1) !== d.gold) bad('gold flag and the cell value disagree');
        if (d.opened.slice(1).some((c) => c.value === -1)) bad('the flood fill opened gold');
        if (d.gold && first.by !== d.by) bad('gold cell by someone else');
      }
      if (!isInt(d.remaining) || !checkScores(d.scores)) bad('remaining/scores');
      break;
    case 'turn':
      if (!turnOK({ roomId: d.roomId, playerId: d.playerId, deadline: d.deadline, duration: d.duration })) bad('turn');
      break;
    case 'over':
      if (!checkScores(d.scores) || !Array.isArray(d.winners) || d.winners.length === 0) bad('scores/winners');
      else {
        const best = Math.max(...Object.values(d.scores));
        for (const w of d.winners) if (d.scores[w] !== best) bad(`winner ${w} does not have the best score ${best}`);
      }
      break;
    default:
  }
  return out;
}

// Every {x, y} object in a payload.
function cellsIn(v, out = []) {
  if (Array.isArray(v)) for (const x of v) cellsIn(x, out);
  else if (isObj(v)) {
    if (isInt(v.x) && isInt(v.y)) out.push(v);
    for (const x of Object.values(v)) cellsIn(x, out);
  }
  return out;
}

class GoldPlayer extends GamePlayer {
  // opts: see GamePlayer (name, token, auth, transports, label).
  constructor(server, opts) {
    super(io, '/gold', server, opts);
    this.open = new Map(); // "x,y" -> value, the cells open as far as this player was told
    this.dugGold = new Set(); // "x,y" of gold cells a dug event opened
    this.raw = []; // raw text of every event packet
  }

  checkEvent(name, args) { return checkEvent(name, args); }

  rawEvent(data) {
    if (typeof data !== 'string' || data[0] !== '2') return;
    this.raw.push(data);
    if (/"gold"\s*:\s*\[/.test(data)) this.problem(`raw packet carries a gold list: ${short(data)}`);
  }

  roomEvent(name, d) { this.learn(name, d); }

  // Updates the board this player knows from an event, then checks the event mentions open cells
  // only and shows gold only where a dig found it.
  learn(name, d) {
    if (name === 'board') {
      if (this.boardRoom !== undefined && this.boardRoom !== d.roomId) { // another room: another board
        this.open.clear();
        this.dugGold.clear();
      }
      this.boardRoom = d.roomId;
      for (const c of d.opened) {
        const k = `${c.x},${c.y}`;
        // A board can only confirm what dug events showed, or show what happened while away.
        if (this.open.has(k) && this.open.get(k) !== c.value) this.problem(`board gives (${k}) the value ${c.value}, a dug gave ${this.open.get(k)}`);
        this.open.set(k, c.value);
        if (c.value === -1) this.dugGold.add(k);
      }
    }
    if (name === 'dug') {
      for (const c of d.opened) {
        const k = `${c.x},${c.y}`;
        if (this.open.has(k)) this.problem(`dug opens (${k}) again`);
        this.open.set(k, c.value);
      }
      if (d.gold) this.dugGold.add(`${d.x},${d.y}`);
    }
    for (const c of cellsIn(d)) {
      const k = `${c.x},${c.y}`;
      if (!this.open.has(k)) this.problem(`"${name}" mentions the closed cell (${k}): ${short(d)}`);
      if (c.value === -1 && !this.dugGold.has(k)) this.problem(`"${name}" shows gold at (${k}) before it was dug: ${short(d)}`);
    }
  }

  join(opts = {}) { return this.ack('join', opts); }

  dig(x, y) { return this.ack('dig', { x, y }); }

  // The closed cells of a width×height board as this player knows it, in reading order.
  closedCells(width, height) {
    const out = [];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (!this.open.has(`${x},${y}`)) out.push({ x, y });
    return out;
  }
}

const connect = (t, server, opts) => GoldPlayer.connect(t, server, opts);

// As test/lib/player.js's, and a room in the ack is checked as a "room" event.
function assertOk(ack, what = '', keys = []) {
  baseAssertOk(ack, what, keys);
  if (keys.includes('room')) assert.deepEqual(checkEvent('room', [ack.room]), [], `${what ? `${what}: ` : ''}ack ${short(ack)}: room`);
}

module.exports = {
  GoldPlayer, connect, track, assertError, assertOk, checkEvent, cellsIn, withoutSeq, DEFAULT_TIMEOUT_MS,
};
