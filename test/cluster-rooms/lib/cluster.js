'use strict';
// A cluster for one test: a real redis-server and N rpsio nodes ($RPSIO_BIN) sharing it with
// one token secret, each on its own free loopback port. Nodes are started through the /rps
// suite's launcher (test/rps/lib/server.js: "rpsio listening" log line, GET /healthz, killed
// on exit) with --redis-url and --redis-prefix; every process is stopped after the test, pass
// or fail, nodes first, then Redis. A node that died on its own (not by the test's signal())
// fails the test in that after hook.
//
//   const c = await startCluster(t, { nodes: 2, roundDuration: '3s', grace: '5s' });
//   const a = await connect(t, c.nodes[0], { name: 'a' });    // test/rps/lib/client.js Player
//   await c.nodes[0].signal('SIGKILL');
const fs = require('node:fs');
const path = require('node:path');
const { launch, waitUntil } = require('../../rps/lib/server');
const assert = require('node:assert/strict');
const { connect, assertOk } = require('../../rps/lib/client');
const { assertRoomView } = require('../../rps/lib/game');
const { startRedis } = require('./redis');

const LOG_DIR = path.resolve(__dirname, '..', '..', '..', '.cache', 'cluster-rooms-logs');

let clusters = 0;

// settings: nodes (default 2), roundDuration, roundGap, grace (Go durations), drainTimeout,
// prefix (--redis-prefix; default a fresh one per cluster), extraArgs (every node), redis (an
// existing handle to share), name (log file names).
async function startCluster(t, {
  nodes = 2, roundDuration = '3s', roundGap = '100ms', grace = '5s', drainTimeout = '5s',
  prefix, extraArgs = [], redis, name,
} = {}) {
  const id = `${process.pid}-${++clusters}`;
  const label = name || (t && t.name ? t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60) : 'cluster');
  const cluster = {
    redis: redis || await startRedis(t),
    prefix: prefix || `rpsio-test-${id}`,
    nodes: [],
    settings: { roundDuration, roundGap, grace, drainTimeout },
  };
  const args = () => ['--redis-url', cluster.redis.url, '--redis-prefix', cluster.prefix,
    '--drain-timeout', drainTimeout, ...extraArgs];
  // Adds a node (also after the start: a replacement for a killed one).
  cluster.addNode = async (more = []) => {
    const node = await launch({ roundDuration, roundGap, grace, extraArgs: [...args(), ...more] });
    node.index = cluster.nodes.length;
    node.label = `node${node.index}`;
    cluster.nodes.push(node);
    return node;
  };
  // The players of this cluster (connect/reconnect below), closed before the nodes stop.
  // They tolerate room events that arrive out of seq order (recorded in player.reorders, still
  // delivered): a node emits its own changes to its sockets at once, while an older change
  // made on another node may still be on its way through Redis; the contract lets clients
  // drop the older one. What must hold (one result per round, seqs of results increasing) is
  // asserted by the tests themselves.
  cluster.players = new Set();
  cluster.connect = async (node, opts) => {
    const p = await connect(t, node, { tolerateReorder: true, ...opts });
    cluster.players.add(p);
    return p;
  };
  cluster.reconnect = async (node, player, label) => {
    const p = await reconnect(t, node, player, label);
    cluster.players.add(p);
    return p;
  };
  // node:test runs t.after hooks in the order they were registered, so this one (registered
  // before any player's) does everything in order: players, nodes, then Redis.
  if (t) {
    t.after(async () => {
      for (const p of cluster.players) p.close();
      const errors = [];
      for (const node of cluster.nodes) {
        try { await node.shutdown(); } catch (err) { errors.push(err); }
      }
      saveLogs(label, cluster);
      if (!redis) await cluster.redis.close();
      if (errors.length) throw errors[0];
    });
  }
  for (let i = 0; i < nodes; i++) await cluster.addNode();
  return cluster;
}

// Connects one player per entry of `on` (node indexes) through that node, named prefix-1..n
// (label prefix-i@nodeK), who join rooms of `size` one after the other, so their seat order is
// their index and every join must land in the first player's room. If that fills the room,
// waits for every player's "room" (playing) and "start" (both consumed), identical for all.
// Returns { players, roomId, room, start, starts }.
async function fillAcross(cluster, on, { size = on.length, prefix = 'p', playerOpts = {} } = {}) {
  const players = [];
  for (const [i, n] of on.entries()) {
    const node = cluster.nodes[n];
    players.push(await cluster.connect(node, { name: `${prefix}-${i + 1}`, label: `${prefix}-${i + 1}@${node.label}`, ...playerOpts }));
  }
  let roomId;
  for (const [i, p] of players.entries()) {
    const ack = await p.join(size);
    assertOk(ack, `${p.label} join`, ['room']);
    assertRoomView(ack.room, `${p.label} join`);
    if (roomId === undefined) roomId = ack.room.id;
    assert.equal(ack.room.id, roomId, `${p.label} joined another room than ${players[0].label}`);
    assert.deepEqual(ack.room.players.map((x) => x.id), players.slice(0, i + 1).map((x) => x.id), `${p.label} join: seats`);
  }
  let room;
  let start;
  let starts;
  if (on.length === size) {
    const rooms = await Promise.all(players.map((p) => p.next('room', (r) => r.id === roomId && r.state === 'playing')));
    [room] = rooms;
    for (const r of rooms) assert.deepEqual(r, room, 'every player gets the same "room"');
    starts = await Promise.all(players.map((p) => p.nextEntry('start', (s) => s.roomId === roomId)));
    start = starts[0].data;
    for (const s of starts) assert.deepEqual(s.data, start, 'every player gets the same "start"');
  }
  return { players, roomId, room, start, starts };
}

// Tails of the nodes' logs in .cache/cluster-rooms-logs/, for a failure's post-mortem.
function saveLogs(label, cluster) {
  try {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    for (const node of cluster.nodes) {
      fs.writeFileSync(path.join(LOG_DIR, `${label}-${node.label}.log`), node.stderr());
    }
  } catch { /* best effort */ }
}

// The same player (token and name) connecting again through `node`: a new Player, checked and closed
// like any other. The label says which node it came through.
async function reconnect(t, node, player, label = `${player.label}@${node.label}`) {
  const p = await connect(t, node, { token: player.token, name: player.welcome.name, label, tolerateReorder: player.tolerateReorder });
  if (p.id !== player.id) throw new Error(`${label}: the token gave playerId ${p.id}, want ${player.id}`);
  return p;
}

// Every "result" of `round` in room `roomId` that these players (sockets) received, with its
// seq: the tests count them, they never assume there is one.
function resultsOf(players, roomId, round) {
  const out = [];
  for (const p of players) {
    for (const e of p.events) {
      if (e.name === 'result' && e.data.roomId === roomId && e.data.round === round) out.push({ player: p.label, seq: e.seq, data: e.data });
    }
  }
  return out;
}

// The standing of the players of a "room" event in seat order, for lib/rules.js settle().
const standingOf = (room) => room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));

module.exports = { startCluster, fillAcross, reconnect, resultsOf, standingOf, waitUntil, LOG_DIR };
