'use strict';
// Cluster nodes and clients for the cluster tests.
//
// A node is one server process of one kind, joined to a Redis:
//   - "node": the official Node socket.io server with @socket.io/redis-adapter (test/reference/server.js,
//     configured with REDIS_URL / NODE_NAME / REDIS_PREFIX / REDIS_SHARDED), always available;
//   - "go": the rpsio conformance binary in $CONFORMANCE_BIN (--redis-url / --name / --redis-prefix /
//     --redis-sharded), whenever that variable is set (CI always sets it).
// The process handling (spawn, "listening <port>", kill on exit) is test/interop's.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { io } = require('socket.io-client');
const { SERVERS, startServer } = require('../../interop/lib/servers');
const { once, emitWithAck, withTimeout, DEFAULT_TIMEOUT_MS } = require('../../interop/lib/wait');

const KIND_SERVER = {
  node: SERVERS.find((s) => s.name === 'reference'),
  go: SERVERS.find((s) => s.name === 'go'),
};
const KINDS = Object.keys(KIND_SERVER).filter((k) => KIND_SERVER[k]);

// The nodes run with a gentler heartbeat than the interop contract's 300 ms / 200 ms: these tests
// are about the cluster, and several nodes plus Redis on two shared cores can stall a process for
// the half second after which a client gives up on a silent server. Only when every kind takes
// the flags (the conformance binary gained them after the cluster mode), so both run alike.
const HEARTBEAT = ['--ping-interval', '2s', '--ping-timeout', '3s'];
function takesPingFlags(server) {
  if (!server || server.name === 'reference') return true;
  try {
    const r = require('node:child_process').spawnSync(server.cmd, ['--help'], { encoding: 'utf8', timeout: 5000 });
    return /ping-interval/.test(`${r.stdout}${r.stderr}`);
  } catch { return false; }
}
const USE_HEARTBEAT = KINDS.every((k) => takesPingFlags(KIND_SERVER[k]));

// The pairs every two-node suite runs: Node+Node first (the baseline that proves the suite
// itself against the official implementation), then Go+Go, then the mixed pair. Every test of a
// pair triggers its operation from each side, so the mixed pair covers both directions.
// CLUSTER_PAIRS=go+go,node+go narrows the list (to rerun one pair).
function pairs() {
  const list = [['node', 'node']];
  if (KIND_SERVER.go) list.push(['go', 'go'], ['node', 'go']);
  const only = process.env.CLUSTER_PAIRS;
  return only ? list.filter((p) => only.split(',').includes(p.join('+'))) : list;
}

// Starts one node of `kind` on `redis`. opts: name, prefix (the adapter's key / channelPrefix),
// sharded (createShardedAdapter / --redis-sharded), args (more flags both kinds take, e.g.
// --ping-interval 25s).
async function startNode(kind, redis, { name, prefix, sharded = false, args = [] } = {}) {
  const server = KIND_SERVER[kind];
  if (!server) throw new Error(`no server of kind ${kind}`);
  let extra;
  if (kind === 'go') {
    extra = {
      args: ['--redis-url', redis.url, '--name', name,
        ...(prefix ? ['--redis-prefix', prefix] : []), ...(sharded ? ['--redis-sharded'] : [])],
    };
  } else {
    extra = { env: { REDIS_URL: redis.url, NODE_NAME: name, REDIS_PREFIX: prefix || '', REDIS_SHARDED: sharded ? '1' : '' } };
  }
  const heartbeat = USE_HEARTBEAT && !args.includes('--ping-interval') ? HEARTBEAT : [];
  extra.args = [...(extra.args || []), ...heartbeat, ...args];
  const handle = await startServer(server, 'socket', extra);
  return Object.assign(handle, { kind, name, label: `${name} (${kind})` });
}

// Stops the nodes; a node that died on its own during the tests is a failure in itself (a node
// the test killed on purpose is marked `killed`).
// Every node's stderr is kept in .cache/cluster-logs/ (the repository's cache directory) for
// reading after a failure.
const LOG_DIR = require('node:path').resolve(__dirname, '..', '..', '..', '.cache', 'cluster-logs');
function keepLog(n) {
  const text = n.stderr();
  if (!text) return;
  try {
    const fs = require('node:fs');
    fs.mkdirSync(LOG_DIR, { recursive: true });
    fs.writeFileSync(require('node:path').join(LOG_DIR, `${n.name}-${n.kind}-${n.pid}.log`), text);
  } catch { /* best effort */ }
}

async function stopNodes(nodes) {
  const crashed = [];
  for (const n of nodes) {
    if (!n) continue;
    keepLog(n);
    if (!n.isAlive() && !n.killed) crashed.push(`${n.label} exited during the tests\n--- stderr ---\n${n.stderr()}`);
    await n.stop();
  }
  if (crashed.length) throw new Error(crashed.join('\n'));
}

const uid = (tag = 'r') => `${tag}-${crypto.randomBytes(4).toString('hex')}`;

// The client sockets of one test, all closed by closeAll() (the suites call it in afterEach).
class Clients {
  constructor() { this.sockets = []; }

  // A socket.io-client 4.x socket on `node`'s namespace `nsp`, connected. Reconnection is off, so
  // a failing test leaves nothing reconnecting behind. opts.transport: "websocket" (default) or
  // "polling"; opts.manager: multiplex on that Manager's connection.
  async connect(node, nsp = '/', { transport = 'websocket', manager } = {}) {
    const socket = manager
      ? manager.socket(nsp)
      : io(node.url + nsp, { transports: [transport], upgrade: false, forceNew: true, reconnection: false, timeout: DEFAULT_TIMEOUT_MS });
    this.sockets.push(socket);
    if (manager) socket.connect();
    await once(socket, 'connect', { failOn: ['connect_error', 'disconnect'], what: `connect to ${node.label}${nsp}` });
    socket.node = node;
    socket.nsp = nsp;
    return socket;
  }

  // One Engine.IO connection for several namespaces (it closes when all its sockets are closed).
  manager(node, { transport = 'websocket' } = {}) {
    return new io.Manager(node.url, { transports: [transport], upgrade: false, reconnection: false, autoConnect: false, timeout: DEFAULT_TIMEOUT_MS });
  }

  closeAll() {
    for (const s of this.sockets) {
      try { s.close(); } catch { /* already closed */ }
    }
    this.sockets = [];
  }
}

async function join(socket, room) {
  await emitWithAck(socket, 'join', room);
}

// The "fetch-sockets" answer: the sorted ids of the room's sockets on every node.
async function fetchIds(socket, room) {
  const [ids] = await emitWithAck(socket, 'fetch-sockets', room);
  return ids;
}

const ids = (...sockets) => sockets.map((s) => s.id).sort();

// Every "question" gets `answer(socket)` back (one value); the questions' arguments are recorded.
function answerQuestions(socket, answer) {
  const asked = [];
  socket.on('question', (...args) => {
    const cb = args.pop();
    asked.push(args);
    cb(answer(socket));
  });
  return asked;
}

// Collects every `event` a socket receives.
function record(socket, event) {
  const seen = [];
  socket.on(event, (...args) => seen.push(args));
  return seen;
}

// Waits for the next `event` whose arguments satisfy `match` (default: any).
function waitFor(socket, event, match = () => true, { timeout = DEFAULT_TIMEOUT_MS, what } = {}) {
  let handler;
  const p = new Promise((resolve) => {
    handler = (...args) => { if (match(...args)) resolve(args); };
    socket.on(event, handler);
  });
  return withTimeout(p, timeout, what || `"${event}" on ${socket.node ? socket.node.label : 'a client'}`)
    .finally(() => socket.off(event, handler));
}

// Proves that nothing else reached the `observers` after what the test sent before: `sender`
// emits a marker to each observer's own socket-id room (via "to-room", so through the same node
// and, for remote observers, the same Redis connections as what went before). A node publishes in
// order and handles what it receives in order, so once an observer has its marker, anything sent
// to it earlier would have arrived. Checks `seen()` is empty for each observer then.
async function nothingElse(sender, observers, seenOf) {
  const tag = uid('marker');
  const waits = observers.map((o) => waitFor(o, 'cluster-marker', (t) => t === tag, { what: `marker on ${o.node.label}${o.nsp}` }));
  for (const o of observers) sender.emit('to-room', o.id, 'cluster-marker', tag);
  await Promise.all(waits);
  for (const o of observers) {
    assert.deepEqual(seenOf(o), [], `${o.node.label}${o.nsp} (${o.id}) received something it must not`);
  }
}

// Polls `fn` (async) until it returns a truthy value; the deadline turns a hang into a failure.
// Used only where the contract says the effect shows "shortly after" (socketsJoin/socketsLeave:
// Node applies them when the request comes back from Redis, so even the sender's own node shows
// them after the ack), or to wait for Redis to be back.
async function pollUntil(fn, { timeout = DEFAULT_TIMEOUT_MS, interval = 25, what = 'a condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// Polls fetch-sockets until it returns `expected` (sorted ids).
async function fetchUntil(socket, room, expected, what) {
  let last;
  try {
    await pollUntil(async () => {
      last = await fetchIds(socket, room);
      return Array.isArray(last) && last.length === expected.length && last.every((id, i) => id === expected[i]);
    }, { what: what || `fetch-sockets "${room}" = ${JSON.stringify(expected)}` });
  } catch (err) {
    err.message += `; last answer ${JSON.stringify(last)}`;
    throw err;
  }
}

// Sharded mode only: a node subscribes to a room's channel when the room appears on it (Redis
// SSUBSCRIBE, confirmed later), so a broadcast published right after a join may miss it; the
// official adapter behaves so too. Probes the room until every member has had one, then the test
// proper begins. In classic mode the pattern subscription covers every room from the start.
async function roomReady(sharded, sender, room, members) {
  if (!sharded) return;
  const tag = uid('probe');
  const pending = new Set(members);
  const handlers = members.map((m) => {
    const h = (t) => { if (t === tag) pending.delete(m); };
    m.on('cluster-probe', h);
    return [m, h];
  });
  try {
    await pollUntil(async () => {
      if (pending.size === 0) return true;
      sender.emit('to-room', room, 'cluster-probe', tag);
      return false;
    }, { interval: 50, what: `room "${room}" to reach ${members.length} members` });
  } finally {
    for (const [m, h] of handlers) m.off('cluster-probe', h);
  }
}

// Milliseconds taken by an async function, with its result.
async function timed(fn) {
  const t0 = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - t0 };
}

module.exports = {
  KINDS, pairs, startNode, stopNodes, uid, Clients, join, fetchIds, ids, answerQuestions, record, waitFor,
  nothingElse, pollUntil, fetchUntil, roomReady, timed, emitWithAck, once,
};
