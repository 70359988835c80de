'use strict';
// A player of /rps through the proxy: the official socket.io-client 4.x bound to a source
// address (127.0.0.2, 127.0.0.3, ...: nginx hashes it for long-polling stickiness), over
// WebSocket only, long-polling only, or long-polling upgraded to WebSocket, over http(s).
//
// Every event, connect, disconnect and connect_error is recorded in order, so a test waits for
// "the next X matching P" without racing the server, and can assert afterwards that nothing
// unexpected happened (no reconnection, no error).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { io } = require('socket.io-client');

const WAIT_MS = 10000;

const TRANSPORTS = {
  websocket: { transports: ['websocket'], upgrade: false },
  polling: { transports: ['polling'], upgrade: false },
  upgrade: { transports: ['polling', 'websocket'], upgrade: true },
};

class Player {
  constructor(url, { name, from = '127.0.0.1', mode = 'websocket', path, cert, reconnection = true }) {
    this.label = `${name}@${from}/${mode}`;
    this.from = from;
    this.mode = mode;
    this.log = []; // { type: 'event'|'connect'|'disconnect'|'connect_error'|'upgrade', name?, data, at }
    this.waiters = [];
    const secure = url.startsWith('https');
    const ca = cert ? fs.readFileSync(cert) : undefined;
    // The agent carries the source address for polling (XHR) and WebSocket alike; a fresh
    // agent per player, no keep-alive, so each request shows its own address to nginx.
    this.agent = secure ? new https.Agent({ localAddress: from, ca }) : new http.Agent({ localAddress: from });
    this.socket = io(`${url}/rps`, {
      ...TRANSPORTS[mode],
      path,
      agent: this.agent,
      localAddress: from,
      ca,
      rejectUnauthorized: true,
      forceNew: true,
      reconnection,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      randomizationFactor: 0,
      auth: { name },
    });
    const s = this.socket;
    const rec = (entry) => {
      entry.at = Date.now();
      this.log.push(entry);
      this.wake();
    };
    // The Engine.IO connection opens (its first transport), may upgrade, then the namespace
    // connects.
    s.io.on('open', () => {
      rec({ type: 'open', transport: s.io.engine.transport.name });
      s.io.engine.once('upgrade', (tr) => rec({ type: 'upgrade', data: tr.name }));
    });
    s.on('connect', () => rec({ type: 'connect', transport: s.io.engine.transport.name }));
    s.on('disconnect', (reason) => rec({ type: 'disconnect', data: reason }));
    s.on('connect_error', (err) => rec({ type: 'connect_error', data: err.message }));
    s.onAny((name, data) => {
      if (name === 'welcome') {
        this.id = data.playerId;
        // Come back as the same player after a reconnection.
        s.auth = { name: data.name, token: data.token };
      }
      rec({ type: 'event', name, data });
    });
    this.cursor = {}; // per kind of wait: index of the next log entry to look at
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  // Resolves with the first log entry from the cursor of `key` on that match() accepts, and
  // moves the cursor past it.
  async take(key, match, what, timeout = WAIT_MS) {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (let i = this.cursor[key] || 0; i < this.log.length; i++) {
        if (match(this.log[i])) {
          this.cursor[key] = i + 1;
          return this.log[i];
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.label}: timed out waiting for ${what}; log: ${JSON.stringify(this.log.slice(-12))}`);
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  // The next event `name` (whose data pred accepts), payload returned.
  async next(name, pred = () => true, timeout) {
    const e = await this.take(`event:${name}`, (x) => x.type === 'event' && x.name === name && pred(x.data), `"${name}"`, timeout);
    return e.data;
  }

  async connected(timeout) {
    return this.take('connect', (x) => x.type === 'connect', 'connect', timeout);
  }

  async disconnected(timeout) {
    return this.take('disconnect', (x) => x.type === 'disconnect', 'disconnect', timeout);
  }

  async upgraded(timeout) {
    return this.take('upgrade', (x) => x.type === 'upgrade', 'the upgrade to websocket', timeout);
  }

  count(type) {
    return this.log.filter((x) => x.type === type).length;
  }

  async ack(event, data) {
    return this.socket.timeout(WAIT_MS).emitWithAck(event, data);
  }

  close() {
    this.socket.disconnect();
    this.agent.destroy();
  }
}

// Connects a player and waits for its welcome.
async function connect(t, url, opts) {
  const p = new Player(url, opts);
  t.after(() => p.close());
  await p.connected();
  await p.next('welcome');
  return p;
}

// Seats a and b in one room of two (a first) and waits until both have its "start".
async function pair(a, b) {
  const ja = await a.ack('join', { size: 2 });
  assert.equal(ja.ok, true, `${a.label} join: ${JSON.stringify(ja)}`);
  const jb = await b.ack('join', { size: 2 });
  assert.equal(jb.ok, true, `${b.label} join: ${JSON.stringify(jb)}`);
  assert.equal(jb.room.id, ja.room.id, `${b.label} was not seated with ${a.label}`);
  const [sa, sb] = await Promise.all([a.next('start'), b.next('start')]);
  assert.deepEqual(sa, sb);
  return { roomId: ja.room.id, round: sa.round };
}

// Plays `rounds` rounds in the room of a and b from round `first`; returns the results.
async function play(a, b, first, rounds) {
  const results = [];
  for (let r = first; r < first + rounds; r++) {
    if (r > first) await Promise.all([a.next('start', (s) => s.round === r), b.next('start', (s) => s.round === r)]);
    const [ca, cb] = await Promise.all([a.ack('choose', { round: r, move: 'rock' }), b.ack('choose', { round: r, move: 'scissors' })]);
    assert.equal(ca.ok, true, `${a.label} choose: ${JSON.stringify(ca)}`);
    assert.equal(cb.ok, true, `${b.label} choose: ${JSON.stringify(cb)}`);
    const [ra, rb] = await Promise.all([a.next('result', (x) => x.round === r), b.next('result', (x) => x.round === r)]);
    assert.deepEqual(ra, rb, 'both players get the same result');
    const winner = ra.players.find((p) => p.id === a.id);
    assert.equal(winner.x, 1, `rock beats scissors: ${JSON.stringify(ra)}`);
    results.push(ra);
  }
  return results;
}

// Fails if the player reconnected or saw an error since it connected.
function assertSteady(p) {
  assert.equal(p.count('connect'), 1, `${p.label} connected more than once: ${JSON.stringify(p.log.filter((x) => x.type !== 'event'))}`);
  assert.equal(p.count('connect_error'), 0, `${p.label} saw connect errors: ${JSON.stringify(p.log.filter((x) => x.type === 'connect_error'))}`);
  assert.equal(p.count('disconnect'), 0, `${p.label} was disconnected: ${JSON.stringify(p.log.filter((x) => x.type === 'disconnect'))}`);
}

module.exports = { Player, connect, pair, play, assertSteady };
