'use strict';
// The player of a game namespace that the contract suites (test/rps, test/gold) build on: one
// official socket.io-client 4.x socket, with every event it receives recorded in order, so tests
// can wait for "the next X matching P" without racing the server (an event that arrived before
// the test started waiting is still found).
//
// Every received event is checked as it arrives:
//   - by the game's checkEvent(name, args) (payload keys and types), a method of the subclass;
//   - every room event carries an integer "seq" >= 1, and the seqs of one room never go back in
//     the order this player receives them. The recorded payloads (what next() and all() return)
//     have "seq" taken out, so tests compare the rest exactly; entries keep it as entry.seq;
//   - rawEvent(text) sees the raw Engine.IO text of every message packet, for checks of what the
//     parsed payload could hide.
// Violations are kept in player.problems; every wait fails as soon as there is one, and
// assertClean() fails a test that saw any.
//
// This directory has no node_modules: a subclass passes socket.io-client's `io` from its own
// suite's node_modules, so this file requires Node's own modules only.
const assert = require('node:assert/strict');

const DEFAULT_TIMEOUT_MS = 8000;
const ACK_TIMEOUT_MS = 5000;

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const sortedKeys = (o) => Object.keys(o).sort();
const sameKeys = (o, keys) => isObj(o) && JSON.stringify(sortedKeys(o)) === JSON.stringify([...keys].sort());
const isInt = (v) => Number.isInteger(v);
const short = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

// The payload without its "seq" (room events' order number, checked on arrival).
function withoutSeq(d) {
  const { seq, ...rest } = d; // eslint-disable-line no-unused-vars
  return rest;
}

// The checks every event starts with: a known name (shapes: event name -> its exact payload
// keys), one argument, exactly those keys. Returns the violations found and whether the payload
// has the documented keys (when not, nothing more can be checked).
function checkShape(shapes, name, args) {
  if (!(name in shapes)) return { out: [`unexpected event "${name}" ${short(args)}`], ok: false };
  const out = [];
  if (args.length !== 1) out.push(`"${name}" has ${args.length} arguments, want 1`);
  const d = args[0];
  if (!sameKeys(d, shapes[name])) {
    out.push(`"${name}" payload keys ${isObj(d) ? short(sortedKeys(d)) : short(d)}, want exactly ${short(shapes[name])}`);
    return { out, ok: false };
  }
  return { out, ok: true };
}

function describe(e) {
  if (e.name === 'connect_error') return `${e.data && e.data.message} ${short(e.data && e.data.data)}`;
  return short(e.args.length === 1 ? e.data : e.args);
}

class GamePlayer {
  // io: socket.io-client's io; nsp: the namespace ("/rps").
  // opts: name, token (sent in auth), or auth (sent as is, for malformed ones); transports; label;
  // tolerateReorder: a room event whose seq is lower than one already received is recorded in
  // player.reorders instead of being a violation (events of one room published by two nodes
  // may arrive out of order; the contract lets a client drop the older one).
  constructor(io, nsp, server, { name, token, auth, transports = ['websocket'], label, tolerateReorder = false } = {}) {
    this.label = label || name || 'player';
    this.tolerateReorder = tolerateReorder;
    this.reorders = [];
    this.events = []; // { name, args, data, at, seq }
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
    this.socket = io(`${server.url}${nsp}`, {
      auth,
      transports,
      upgrade: transports.length > 1,
      forceNew: true,
      reconnection: false,
      timeout: DEFAULT_TIMEOUT_MS,
    });
    this.socket.io.on('open', () => {
      this.socket.io.engine.on('packet', (p) => {
        if (p.type === 'message') this.rawEvent(p.data);
      });
    });
    this.socket.onAny((ev, ...args) => {
      // Connection state recovery (on in rpsio, docs/PROTOCOL.md): a kept event's last
      // argument is its offset, as socket.io-client 4.6+ reads it; the contract is the rest.
      if (this.socket._pid && args.length > 1 && typeof args[args.length - 1] === 'string') {
        const offset = args.pop();
        if (!/^[A-Za-z0-9]+-[0-9a-z]+-[0-9a-z]+$/.test(offset)) this.problem(`"${ev}" ends with ${short(offset)}, not an offset`);
      }
      const problems = this.checkEvent(ev, args);
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
        this.roomEvent(ev, args[0]);
        args = [withoutSeq(args[0])];
      }
      this.push(ev, args, seq);
    });
    // Reserved events do not reach onAny.
    this.socket.on('connect_error', (err) => this.push('connect_error', [err]));
    this.socket.on('disconnect', (reason) => this.push('disconnect', [reason]));
  }

  // The contract violations of one received event (its arguments, offset taken out).
  checkEvent(name, args) { // eslint-disable-line no-unused-vars
    return [];
  }

  // A room event that passed checkEvent, its payload with "seq", before it is recorded.
  roomEvent(name, payload) {} // eslint-disable-line no-unused-vars

  // The data of every Engine.IO "message" packet as received.
  rawEvent(data) {} // eslint-disable-line no-unused-vars

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
  // consumes it and resolves with { data, at, seq } (at: Date.now() on receipt). Fails at once
  // on a contract violation, or on one of the failOn events (e.g. "disconnect").
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

  // Creates a player of this class, registers its closing (and the check that it saw no contract
  // violation) in an after hook of `t` (a test context or the suite's hooks), and waits for its
  // welcome.
  static async connect(t, server, opts = {}) {
    const p = track(t, new this(server, opts));
    await p.connected();
    return p;
  }
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
  GamePlayer, track, assertError, assertOk, withoutSeq, checkShape,
  isObj, sortedKeys, sameKeys, isInt, short, DEFAULT_TIMEOUT_MS, ACK_TIMEOUT_MS,
};
