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
// assertClean() fails a test that saw any.
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');

const DEFAULT_TIMEOUT_MS = 8000;
const ACK_TIMEOUT_MS = 5000;

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

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const sortedKeys = (o) => Object.keys(o).sort();
const sameKeys = (o, keys) => isObj(o) && JSON.stringify(sortedKeys(o)) === JSON.stringify([...keys].sort());
const isInt = (v) => Number.isInteger(v);
const short = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

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
  const out = [];
  if (!(name in SHAPES)) return [`unexpected event "${name}" ${short(args)}`];
  if (args.length !== 1) out.push(`"${name}" has ${args.length} arguments, want 1`);
  const d = args[0];
  if (!sameKeys(d, SHAPES[name])) {
    out.push(`"${name}" payload keys ${isObj(d) ? short(sortedKeys(d)) : short(d)}, want exactly ${short(SHAPES[name])}`);
    return out;
  }
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

const withoutSeq = (d) => {
  const { seq, ...rest } = d; // eslint-disable-line no-unused-vars
  return rest;
};

class GoldPlayer {
  // opts: name, token (sent in auth), or auth (sent as is); transports; label.
  constructor(server, { name, token, auth, transports = ['websocket'], label } = {}) {
    this.label = label || name || 'player';
    this.events = []; // { name, args, data, at, seq }
    this.cursor = new Map();
    this.waiters = new Set();
    this.problems = [];
    this.seqs = new Map(); // room id -> last seq
    this.open = new Map(); // "x,y" -> value, the cells open as far as this player was told
    this.dugGold = new Set(); // "x,y" of gold cells a dug event opened
    this.raw = []; // raw text of every event packet
    this.welcome = null;
    if (auth === undefined) {
      auth = {};
      if (name !== undefined) auth.name = name;
      if (token !== undefined) auth.token = token;
    }
    this.socket = io(`${server.url}/gold`, {
      auth, transports, upgrade: transports.length > 1, forceNew: true, reconnection: false, timeout: DEFAULT_TIMEOUT_MS,
    });
    this.socket.io.on('open', () => {
      this.socket.io.engine.on('packet', (p) => {
        if (p.type !== 'message' || typeof p.data !== 'string' || p.data[0] !== '2') return;
        this.raw.push(p.data);
        if (/"gold"\s*:\s*\[/.test(p.data)) this.problem(`raw packet carries a gold list: ${short(p.data)}`);
      });
    });
    this.socket.onAny((ev, ...args) => {
      // Connection state recovery (on in rpsio, docs/PROTOCOL.md): a kept event's last
      // argument is its offset, as socket.io-client 4.6+ reads it; the contract is the rest.
      if (this.socket._pid && args.length > 1 && typeof args[args.length - 1] === 'string') {
        const offset = args.pop();
        if (!/^[A-Za-z0-9]+-[0-9a-z]+-[0-9a-z]+$/.test(offset)) this.problem(`"${ev}" ends with ${short(offset)}, not an offset`);
      }
      const problems = checkEvent(ev, args);
      for (const problem of problems) this.problem(problem);
      let seq;
      if (!problems.length && ev !== 'welcome') {
        ({ seq } = args[0]);
        const room = ev === 'room' ? args[0].id : args[0].roomId;
        const last = this.seqs.get(room) || 0;
        if (seq < last) this.problem(`"${ev}" of room ${room} has seq ${seq} after ${last}`);
        this.seqs.set(room, Math.max(seq, last));
        this.learn(ev, args[0]);
        args = [withoutSeq(args[0])];
      }
      this.push(ev, args, seq);
    });
    this.socket.on('connect_error', (err) => this.push('connect_error', [err]));
    this.socket.on('disconnect', (reason) => this.push('disconnect', [reason]));
  }

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

  problem(text) {
    this.problems.push(`${this.label}: ${text}`);
    this.wake();
  }

  push(name, args, seq) {
    this.events.push({ name, args, data: args[0], at: Date.now(), seq });
    this.wake();
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  // Waits for the next `name` event (after the last one consumed) whose payload satisfies pred,
  // consumes it and resolves with { data, at, seq }. Fails at once on a contract violation, or on
  // one of the failOn events.
  nextEntry(name, pred = () => true, { timeout = DEFAULT_TIMEOUT_MS, failOn = [], what } = {}) {
    const label = `${this.label}: ${what || `"${name}"`}`;
    return new Promise((resolve, reject) => {
      let timer;
      const done = (fn, v) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        fn(v);
      };
      const check = () => {
        if (this.problems.length) return done(reject, new Error(`contract violation while waiting for ${label}:\n  ${this.problems.join('\n  ')}`));
        const from = this.cursor.get(name) || 0;
        for (let i = from; i < this.events.length; i++) {
          const e = this.events[i];
          if (failOn.includes(e.name)) return done(reject, new Error(`${label}: got "${e.name}" ${short(e.data)} first`));
          if (e.name === name && pred(e.data)) {
            this.cursor.set(name, i + 1);
            return done(resolve, { data: e.data, at: e.at, seq: e.seq });
          }
        }
        return undefined;
      };
      timer = setTimeout(() => done(reject, new Error(`timed out after ${timeout} ms waiting for ${label}; received so far:\n  ${this.history()}`)), timeout);
      this.waiters.add(check);
      check();
    });
  }

  async next(name, pred, opts) {
    return (await this.nextEntry(name, pred, opts)).data;
  }

  all(name, pred = () => true) {
    return this.events.filter((e) => e.name === name && pred(e.data)).map((e) => e.data);
  }

  history(n = 12) {
    return this.events.slice(-n).map((e) => `${e.name} ${short(e.data)}`).join('\n  ') || '(nothing)';
  }

  async connected() {
    this.welcome = await this.next('welcome', undefined, { failOn: ['connect_error', 'disconnect'] });
    this.id = this.welcome.playerId;
    this.token = this.welcome.token;
    return this.welcome;
  }

  async refused() {
    return this.next('connect_error', undefined, { failOn: ['welcome'] });
  }

  async ack(event, ...args) {
    try {
      return await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args);
    } catch (err) {
      throw new Error(`${this.label}: no ack for "${event}" ${short(args)} within ${ACK_TIMEOUT_MS} ms (${err.message})`);
    }
  }

  join(opts = {}) { return this.ack('join', opts); }

  dig(x, y) { return this.ack('dig', { x, y }); }

  leave() { return this.ack('leave', {}); }

  // The closed cells of a width×height board as this player knows it, in reading order.
  closedCells(width, height) {
    const out = [];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (!this.open.has(`${x},${y}`)) out.push({ x, y });
    return out;
  }

  close() {
    this.socket.disconnect();
  }

  async retire() {
    if (this.socket.connected) {
      try { await this.socket.timeout(1000).emitWithAck('leave', {}); } catch { /* closing anyway */ }
    }
    this.close();
  }

  assertClean() {
    assert.deepEqual(this.problems, [], `${this.label}: contract violations on the wire`);
  }
}

async function connect(t, server, opts = {}) {
  const p = track(t, new GoldPlayer(server, opts));
  await p.connected();
  return p;
}

function track(t, p) {
  t.after(() => p.retire());
  return p;
}

function assertError(ack, code, what = '') {
  const ctx = `${what ? `${what}: ` : ''}ack ${short(ack)}`;
  assert.ok(isObj(ack), `${ctx}: not an object`);
  assert.deepEqual(sortedKeys(ack), ['error', 'ok'], `${ctx}: keys`);
  assert.equal(ack.ok, false, `${ctx}: ok`);
  assert.ok(sameKeys(ack.error, ['code', 'message']), `${ctx}: error keys`);
  assert.equal(ack.error.code, code, `${ctx}: error code`);
  assert.ok(typeof ack.error.message === 'string' && ack.error.message.length > 0, `${ctx}: message`);
}

function assertOk(ack, what = '', keys = []) {
  const ctx = `${what ? `${what}: ` : ''}ack ${short(ack)}`;
  assert.ok(isObj(ack), `${ctx}: not an object`);
  assert.equal(ack.ok, true, `${ctx}: ok`);
  assert.deepEqual(sortedKeys(ack), ['ok', ...keys].sort(), `${ctx}: keys`);
  if (keys.includes('room')) assert.deepEqual(checkEvent('room', [ack.room]), [], `${ctx}: room`);
}

module.exports = {
  GoldPlayer, connect, track, assertError, assertOk, checkEvent, cellsIn, withoutSeq, DEFAULT_TIMEOUT_MS,
};
