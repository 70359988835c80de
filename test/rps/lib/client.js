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
// assertClean() fails a test that saw any.
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');

const DEFAULT_TIMEOUT_MS = 8000;
const ACK_TIMEOUT_MS = 5000;
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

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const sortedKeys = (o) => Object.keys(o).sort();
const sameKeys = (o, keys) => isObj(o) && JSON.stringify(sortedKeys(o)) === JSON.stringify([...keys].sort());
const isInt = (v) => Number.isInteger(v);
const short = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

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
  const out = [];
  if (!(name in SHAPES)) return [`unexpected event "${name}" ${short(args)}`];
  if (args.length !== 1) out.push(`"${name}" has ${args.length} arguments, want 1`);
  const d = args[0];
  if (!sameKeys(d, SHAPES[name])) {
    out.push(`"${name}" payload keys ${isObj(d) ? short(sortedKeys(d)) : short(d)}, want exactly ${short(SHAPES[name])}`);
    return out;
  }
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

class Player {
  // opts: name, token (sent in auth), or auth (sent as is, for malformed ones); transports;
  // tolerateReorder: a room event whose seq is lower than one already received is recorded in
  // player.reorders instead of being a violation (events of one room published by two nodes
  // may arrive out of order; the contract lets a client drop the older one).
  constructor(server, { name, token, auth, transports = ['websocket'], label, tolerateReorder = false } = {}) {
    this.label = label || name || 'player';
    this.tolerateReorder = tolerateReorder;
    this.reorders = [];
    this.events = []; // { name, args, data, at }
    this.cursor = new Map(); // event name -> index in events after the last one consumed
    this.waiters = new Set();
    this.problems = [];
    this.seqs = new Map(); // room id -> last seq received
    this.welcome = null;
    if (auth === undefined) {
      auth = {};
      if (name !== undefined) auth.name = name;
      if (token !== undefined) auth.token = token;
    }
    this.socket = io(`${server.url}/rps`, {
      auth,
      transports,
      upgrade: transports.length > 1,
      forceNew: true,
      reconnection: false,
      timeout: DEFAULT_TIMEOUT_MS,
    });
    this.socket.io.on('open', () => {
      this.socket.io.engine.on('packet', (p) => {
        if (p.type !== 'message') return;
        const problem = checkRaw(p.data);
        if (problem) this.problem(problem);
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
        if (seq < last) {
          const text = `"${ev}" of room ${room} has seq ${seq} after ${last}`;
          if (this.tolerateReorder) this.reorders.push(text);
          else this.problem(text);
        }
        this.seqs.set(room, Math.max(seq, last));
        args = [withoutSeq(args[0])];
      }
      this.push(ev, args, seq);
    });
    // Reserved events do not reach onAny.
    this.socket.on('connect_error', (err) => this.push('connect_error', [err]));
    this.socket.on('disconnect', (reason) => this.push('disconnect', [reason]));
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
  // consumes it and resolves with { data, at } (at: Date.now() on receipt). Fails at once on a
  // contract violation, or on one of the failOn events (e.g. "disconnect").
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
          if (failOn.includes(e.name)) {
            return done(reject, new Error(`${label}: got "${e.name}" ${describe(e)} first`));
          }
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

  // Payloads of every `name` event received so far (consumed or not).
  all(name, pred = () => true) {
    return this.events.filter((e) => e.name === name && pred(e.data)).map((e) => e.data);
  }

  history(n = 12) {
    return this.events.slice(-n).map((e) => `${e.name} ${describe(e)}`).join('\n  ') || '(nothing)';
  }

  // Waits for "welcome" (fails on connect_error) and remembers the identity.
  async connected() {
    this.welcome = await this.next('welcome', undefined, { failOn: ['connect_error', 'disconnect'] });
    this.id = this.welcome.playerId;
    this.token = this.welcome.token;
    return this.welcome;
  }

  // Waits for the namespace to refuse the connection; resolves with the Error (message, data).
  async refused() {
    return this.next('connect_error', undefined, { failOn: ['welcome'] });
  }

  // Emits with an acknowledgement; resolves with the ack's first argument.
  async ack(event, ...args) {
    try {
      return await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args);
    } catch (err) {
      throw new Error(`${this.label}: no ack for "${event}" ${short(args)} within ${ACK_TIMEOUT_MS} ms (${err.message})`);
    }
  }

  join(size) { return this.ack('join', size === undefined ? {} : { size }); }

  choose(round, move) { return this.ack('choose', { round, move }); }

  leave() { return this.ack('leave', {}); }

  // Closes the socket (and its own connection). Safe to call twice.
  close() {
    this.socket.disconnect();
  }

  // End of a test: gives the seat up (so that a later test on the same server cannot be matched
  // with this player's stale seat during the reconnect grace), then closes.
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

// The payload without its "seq" (room events' order number, checked on arrival).
function withoutSeq(d) {
  const { seq, ...rest } = d; // eslint-disable-line no-unused-vars
  return rest;
}

function describe(e) {
  if (e.name === 'connect_error') return `${e.data && e.data.message} ${short(e.data && e.data.data)}`;
  return short(e.args.length === 1 ? e.data : e.args);
}

// Creates a player, registers its closing (and the check that it saw no contract violation) in
// an after hook of `t` (a test context or the suite's hooks), and waits for its welcome.
async function connect(t, server, opts = {}) {
  const p = track(t, new Player(server, opts));
  await p.connected();
  return p;
}

function track(t, p) {
  t.after(() => p.retire());
  return p;
}

// Asserts an ack is exactly {ok:false, error:{code, message}} with the given code.
function assertError(ack, code, what = '') {
  const ctx = `${what ? `${what}: ` : ''}ack ${short(ack)}`;
  assert.ok(isObj(ack), `${ctx}: not an object`);
  assert.deepEqual(sortedKeys(ack), ['error', 'ok'], `${ctx}: keys`);
  assert.equal(ack.ok, false, `${ctx}: ok`);
  assert.ok(sameKeys(ack.error, ['code', 'message']), `${ctx}: error keys`);
  assert.equal(ack.error.code, code, `${ctx}: error code`);
  assert.equal(typeof ack.error.message, 'string', `${ctx}: message type`);
  assert.ok(ack.error.message.length > 0, `${ctx}: empty message`);
}

// Asserts an ack is {ok:true, ...rest} (rest: the exact other keys expected).
function assertOk(ack, what = '', keys = []) {
  const ctx = `${what ? `${what}: ` : ''}ack ${short(ack)}`;
  assert.ok(isObj(ack), `${ctx}: not an object`);
  assert.equal(ack.ok, true, `${ctx}: ok`);
  assert.deepEqual(sortedKeys(ack), ['ok', ...keys].sort(), `${ctx}: keys`);
}

module.exports = {
  Player, connect, track, assertError, assertOk, checkEvent, checkRaw, withoutSeq, MOVES, DEFAULT_TIMEOUT_MS,
};
