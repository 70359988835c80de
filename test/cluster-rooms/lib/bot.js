'use strict';
// A light player for the soak: one official socket.io-client 4.x socket on /rps that plays by
// itself (chooses a random move at a random moment of most rounds, forfeits the others) and
// records, per room and round, the start, what it chose and how that was acknowledged, and
// every result it received with its seq. verify() then counts: exactly one result per round,
// none missing, the same result for both players of a room, every acknowledged move in it,
// scores by the reference rules. Payloads are checked against the contract on arrival with
// test/rps/lib/client.js's checkEvent.
const { isDeepStrictEqual } = require('node:util');
const { io } = require('socket.io-client');
const { checkEvent, MOVES } = require('../../rps/lib/client');
const { settle } = require('../../rps/lib/rules');

const ACK_TIMEOUT_MS = 10000;

class Bot {
  // url: connect there instead of node.url (a proxy); roaming: the socket reconnects by itself
  // 1 s after a drop (the soak's roamers cut their transport), recording each reconnection.
  constructor(node, { name, label = name, playRate = 0.75, rng = Math.random, url = node.url, roaming = false } = {}) {
    this.label = label;
    this.node = node;
    this.rng = rng;
    this.playRate = playRate;
    this.playing = true;
    this.timers = new Set();
    this.problems = [];
    this.rounds = new Map(); // `${roomId}|${round}` -> { roomId, round, start, move, ack, results: [] }
    this.seqs = new Map(); // room -> highest seq received
    this.reorders = 0;
    this.offsets = new Set(); // recovery offsets received
    this.kept = 0; // events that carried one
    this.disconnects = [];
    this.latencies = []; // ms from a deadline to the receipt of a result settled at it
    this.reconnects = []; // { recovered, sameId } of each reconnection
    this.socket = io(`${url}/rps`, {
      auth: { name },
      transports: ['websocket'],
      forceNew: true,
      reconnection: roaming,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0,
      timeout: 20000,
    });
    let sid = null;
    this.socket.on('connect', () => {
      if (sid !== null) this.reconnects.push({ recovered: this.socket.recovered, sameId: this.socket.id === sid });
      sid = this.socket.id;
    });
    this.welcome = new Promise((resolve, reject) => {
      this.socket.once('welcome', resolve);
      this.socket.once('connect_error', (err) => reject(new Error(`${label}: connect_error ${err.message}`)));
    });
    this.socket.onAny((ev, ...args) => this.onEvent(ev, args));
    this.socket.on('disconnect', (reason) => this.disconnects.push(reason));
  }

  async connected() {
    const w = await this.welcome;
    this.id = w.playerId;
    return w;
  }

  round(roomId, round) {
    const k = `${roomId}|${round}`;
    let r = this.rounds.get(k);
    if (!r) {
      r = { roomId, round, start: null, move: null, ack: null, results: [] };
      this.rounds.set(k, r);
    }
    return r;
  }

  onEvent(ev, args) {
    // Connection state recovery (on by default): a kept event's last argument is its offset, as
    // socket.io-client 4.6+ reads it (the contract is the rest). One packet has one offset, on
    // every node: the same offset twice is the same packet delivered twice.
    if (this.socket._pid && args.length > 1 && typeof args[args.length - 1] === 'string') {
      const offset = args.pop();
      if (!/^[A-Za-z0-9]+-[0-9a-z]+-[0-9a-z]+$/.test(offset)) this.problems.push(`${this.label}: "${ev}" ends with ${JSON.stringify(offset)}, not an offset`);
      else if (this.offsets.has(offset)) this.problems.push(`${this.label}: "${ev}" with offset ${offset} a second time`);
      this.offsets.add(offset);
      this.kept++;
    }
    const problems = checkEvent(ev, args);
    if (problems.length) {
      this.problems.push(...problems.map((p) => `${this.label}: ${p}`));
      return;
    }
    if (ev === 'welcome') return;
    const d = args[0];
    const roomId = ev === 'room' ? d.id : d.roomId;
    const last = this.seqs.get(roomId) || 0;
    if (d.seq < last) this.reorders++;
    else this.seqs.set(roomId, d.seq);
    if (ev === 'start') this.onStart(d);
    else if (ev === 'result') {
      const r = this.round(roomId, d.round);
      const at = Date.now();
      r.results.push({ data: d, seq: d.seq, at });
      // Settled at the deadline (someone did not choose): how long after it did it arrive?
      if (r.start && Object.values(d.moves).some((m) => m === null)) this.latencies.push(at - r.start.deadline);
    }
  }

  onStart(s) {
    const r = this.round(s.roomId, s.round);
    if (r.start) {
      this.problems.push(`${this.label}: a second "start" of round ${s.round} in room ${s.roomId}`);
      return;
    }
    r.start = s;
    if (!this.playing || this.rng() >= this.playRate) return; // forfeit this one
    const delay = Math.floor(this.rng() * s.duration * 0.6);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.playing) return;
      r.move = MOVES[Math.floor(this.rng() * 3)];
      this.socket.timeout(ACK_TIMEOUT_MS).emit('choose', { round: s.round, move: r.move }, (err, ack) => {
        r.ack = err ? { ok: false, error: { code: 'no_ack' } } : ack;
      });
    }, delay);
    this.timers.add(timer);
  }

  async join(size) {
    const t0 = Date.now();
    const ack = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', { size });
    this.joinMs = Date.now() - t0; // join sent → its ack
    if (!ack || ack.ok !== true) throw new Error(`${this.label}: join ${JSON.stringify(ack)}`);
    return ack.room;
  }

  async leave() {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('leave', {});
  }

  stop() {
    this.playing = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  close() {
    this.stop();
    this.socket.disconnect();
  }
}

// Checks every bot's record; returns { rooms, rounds, results, failures: [text], stats }.
// Per bot and room: every round from the first start it saw to the one before the last start
// it saw has exactly one result (the last round may still have been open at the end: at most
// one); no round has two. Per room: the two players' results are identical; every move whose
// choose was acknowledged ok is in it; scores follow the reference rules from zero.
function verify(bots, { maxFailures = 20 } = {}) {
  const failures = [];
  const fail = (text) => { if (failures.length < maxFailures) failures.push(text); };
  const byRoom = new Map(); // roomId -> [bot]
  let duplicates = 0;
  let missing = 0;
  let results = 0;
  let lostMoves = 0;
  for (const b of bots) {
    const rooms = new Map();
    for (const r of b.rounds.values()) {
      if (!rooms.has(r.roomId)) rooms.set(r.roomId, []);
      rooms.get(r.roomId).push(r);
    }
    for (const [roomId, list] of rooms) {
      if (!byRoom.has(roomId)) byRoom.set(roomId, []);
      byRoom.get(roomId).push(b);
      const started = list.filter((r) => r.start).map((r) => r.round);
      const first = Math.min(...started);
      const last = Math.max(...started);
      for (let round = first; round <= last; round++) {
        const r = b.rounds.get(`${roomId}|${round}`);
        const n = r ? r.results.length : 0;
        if (n > 1) {
          duplicates += n - 1;
          fail(`${b.label}: ${n} results of round ${round} in room ${roomId} (seqs ${r.results.map((x) => x.seq)})`);
        }
        if (n === 0 && round < last) {
          missing++;
          fail(`${b.label}: no result of round ${round} in room ${roomId} although round ${last} started`);
        }
        if (r && !r.start && n > 0) fail(`${b.label}: a result of round ${round} in room ${roomId} without its start`);
        if (r && n > 0) {
          results++;
          const res = r.results[0].data;
          if (r.ack && r.ack.ok === true && res.moves[b.id] !== r.move) {
            lostMoves++;
            fail(`${b.label}: chose ${r.move} in round ${round} of room ${roomId} (acked ok), the result says ${res.moves[b.id]}`);
          }
        }
      }
    }
  }
  let rounds = 0;
  for (const [roomId, members] of byRoom) {
    if (members.length !== 2) {
      fail(`room ${roomId}: ${members.length} players recorded it, want 2`);
      continue;
    }
    const [x, y] = members;
    const roundsOf = (b) => [...b.rounds.values()].filter((r) => r.roomId === roomId && r.results.length).map((r) => r.round);
    const all = [...new Set([...roundsOf(x), ...roundsOf(y)])].sort((m, n) => m - n);
    let standing = null;
    let lastSeq = 0;
    for (const round of all) {
      const rx = x.rounds.get(`${roomId}|${round}`);
      const ry = y.rounds.get(`${roomId}|${round}`);
      const dx = rx && rx.results[0];
      const dy = ry && ry.results[0];
      const d = (dx || dy).data;
      // Compared as values: key order differs between a node's own JSON and what it re-encodes
      // from another node's message.
      if (dx && dy && !isDeepStrictEqual(dx.data, dy.data)) fail(`room ${roomId} round ${round}: the players got different results: ${JSON.stringify(dx.data)} / ${JSON.stringify(dy.data)}`);
      const seq = (dx || dy).seq;
      if (seq <= lastSeq) fail(`room ${roomId} round ${round}: result seq ${seq} after ${lastSeq}`);
      lastSeq = seq;
      rounds++;
      if (!standing) {
        // Rooms start from zero; a room seen from round 1 can be scored from its first result.
        if (round !== 1) continue;
        standing = d.players.map((p) => ({ id: p.id, streak: 0, total: 0 }));
      }
      standing = settle(standing, d.moves);
      if (!isDeepStrictEqual(standing, d.players)) {
        fail(`room ${roomId} round ${round}: scores ${JSON.stringify(d.players)}, the rules say ${JSON.stringify(standing)}`);
        standing = d.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));
      }
    }
  }
  for (const b of bots) {
    for (const p of b.problems.slice(0, 3)) fail(p);
  }
  return { rooms: byRoom.size, rounds, results, duplicates, missing, lostMoves, failures };
}

// p-th percentile (0..100) of numbers.
function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

module.exports = { Bot, verify, percentile };
