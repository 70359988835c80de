#!/usr/bin/env node
'use strict';
// Rooms across nodes (issue 8), measured: rpsio nodes ($RPSIO_BIN or a fresh build of
// ./cmd/rpsio) with the Redis room store against the in-memory store, and a 2-node cluster on
// one redis-server, loaded by raw WebSocket clients (Engine.IO 4 / Socket.IO 5 by hand, no
// socket.io-client: the clients must not be the bottleneck) in several worker processes, each
// from its own source address 127.0.0.x, straight to the nodes.
//
// Phases (see README.md):
//   store    one node, in memory vs Redis, alternately: matchmaking (every player joins, many
//            joins in flight: joins/s, join ack p50/p99) and settlement (rooms of 2, round gap
//            0, both players choose as soon as a round opens: rounds settled/s)
//   cluster  N players over 2 nodes on Redis (and, as the same-run reference, the same N on one
//            in-memory node): joins paced at a fixed rate (join ack p50/p99), then rounds that
//            settle at their deadline (one player of each room chooses, the other forfeits):
//            deadline→result p50/p99/max at every player, and for players whose room spans both
//            nodes
//
//   node bench.js --help
const { fork, spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { performance, monitorEventLoopDelay } = require('node:perf_hooks');


// ---------------------------------------------------------------------------
// Worker: holds connections, plays, measures. Talks to the steering process over IPC.
// ---------------------------------------------------------------------------
function worker() {
  const WebSocket = require('ws');
  const PREFIX_EVENT = '42/rps,';
  const PREFIX_ACK = '43/rps,';
  let clients = [];
  let nodeOf = new Map(); // playerId -> node index (for the cross-node split)
  let mode = 'idle'; // 'fast' | 'deadline' | 'idle'
  let measuring = false;
  let stats = freshStats();
  let unexpectedCloses = 0;
  const closeReasons = {};
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  function freshStats() {
    return { results: 0, settledHere: 0, lat: [], latCross: [], bad: 0, dup: 0, refused: 0, refusedCodes: {} };
  }

  class Client {
    constructor(url, node, name, localAddress, done) {
      this.node = node;
      this.name = name;
      this.state = 0; // 0 opening, 1 namespace, 2 ready
      this.acks = new Map();
      this.ackId = 0;
      this.room = null; // last "room" payload
      this.lastResult = new Map(); // roomId -> last round with a result
      this.deadlines = new Map(); // `${roomId}|${round}` -> deadline
      this.done = done;
      this.ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: 30000 });
      this.ws.on('message', (data) => this.onMessage(data.toString()));
      this.ws.on('error', (err) => this.fail(err.code || err.message));
      this.ws.on('close', (code) => {
        if (this.state === 2 && !closingAll) {
          unexpectedCloses++;
          closeReasons[code] = (closeReasons[code] || 0) + 1;
        }
        this.fail(`closed ${code}`);
        this.state = -1;
      });
    }

    fail(why) {
      if (this.done) { const d = this.done; this.done = null; d(why); }
    }

    onMessage(s) {
      const c = s.charCodeAt(0);
      if (c === 50 && s.length === 1) { this.ws.send('3'); return; } // ping
      if (c === 48) { this.ws.send(`40/rps,${JSON.stringify({ name: this.name })}`); return; } // open
      if (s.startsWith('40/rps,')) { this.state = 1; return; }
      if (s.startsWith('44/rps,')) { this.fail(`connect_error ${s}`); return; }
      if (s.startsWith(PREFIX_ACK)) {
        let i = PREFIX_ACK.length;
        let id = 0;
        while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) id = id * 10 + s.charCodeAt(i++) - 48;
        const cb = this.acks.get(id);
        if (cb) { this.acks.delete(id); cb(JSON.parse(s.slice(i))[0]); }
        return;
      }
      if (!s.startsWith(PREFIX_EVENT)) return;
      const [ev, d] = JSON.parse(s.slice(PREFIX_EVENT.length));
      switch (ev) {
        case 'welcome':
          this.id = d.playerId;
          this.state = 2;
          if (this.done) { const done = this.done; this.done = null; done(null); }
          break;
        case 'room': this.room = d; break;
        case 'start': this.onStart(d); break;
        case 'result': this.onResult(d); break;
        default:
      }
    }

    emit(ev, data) {
      return new Promise((resolve) => {
        const id = ++this.ackId;
        const t0 = performance.now();
        const timer = setTimeout(() => { this.acks.delete(id); resolve({ ack: { ok: false, error: { code: 'no_ack' } }, ms: performance.now() - t0 }); }, 30000);
        this.acks.set(id, (ack) => { clearTimeout(timer); resolve({ ack, ms: performance.now() - t0 }); });
        this.ws.send(`${PREFIX_EVENT}${id}${JSON.stringify([ev, data])}`);
      });
    }

    onStart(s) {
      this.open = s;
      this.deadlines.set(`${s.roomId}|${s.round}`, s.deadline);
      if (mode === 'fast') this.choose(s);
      else if (mode === 'deadline') {
        // One chooser per room (the lower player id), so every round waits for its deadline.
        const other = this.room && this.room.id === s.roomId && this.room.players.find((p) => p.id !== this.id);
        if (other && this.id < other.id) this.choose(s);
      }
    }

    async choose(s) {
      const move = ['rock', 'paper', 'scissors'][(Math.random() * 3) | 0];
      const { ack } = await this.emit('choose', { round: s.round, move });
      if (!ack || ack.ok !== true) {
        stats.refused++;
        const code = (ack && ack.error && ack.error.code) || 'no ack';
        stats.refusedCodes[code] = (stats.refusedCodes[code] || 0) + 1;
      }
    }

    onResult(r) {
      const at = Date.now();
      if (this.open && this.open.roomId === r.roomId && this.open.round === r.round) this.open = null;
      const last = this.lastResult.get(r.roomId) || 0;
      if (r.round <= last) { stats.dup++; return; }
      this.lastResult.set(r.roomId, r.round);
      if (!measuring) return;
      stats.results++;
      const deadline = this.deadlines.get(`${r.roomId}|${r.round}`);
      this.deadlines.delete(`${r.roomId}|${r.round}`);
      if (mode === 'deadline' && deadline) {
        const ms = at - deadline;
        stats.lat.push(ms);
        const other = r.players.find((p) => p.id !== this.id);
        if (other && nodeOf.has(other.id) && nodeOf.get(other.id) !== this.node) stats.latCross.push(ms);
      }
    }
  }

  let closingAll = false;

  function connectMany({ urls, count, offset, localAddress, concurrency, prefix }) {
    return new Promise((resolve) => {
      let started = 0;
      let ok = 0;
      let failed = 0;
      const errors = {};
      const t0 = performance.now();
      const finish = () => resolve({ ok, failed, errors, ms: performance.now() - t0 });
      if (count === 0) { finish(); return; }
      const next = () => {
        if (started >= count) return;
        const i = offset + started++;
        const node = i % urls.length;
        const c = new Client(urls[node], node, `${prefix}${i}`, localAddress, (err) => {
          if (err) { failed++; errors[err] = (errors[err] || 0) + 1; } else { ok++; clients.push(c); }
          if (ok + failed === count) finish(); else next();
        });
      };
      for (let k = 0; k < Math.min(concurrency, count); k++) next();
    });
  }

  // Every client joins rooms of `size`: `window` joins in flight, or `rate` joins/s.
  async function joinAll({ size, window, rate }) {
    const lat = [];
    let failed = 0;
    const errors = {};
    const t0 = performance.now();
    const one = async (c) => {
      const { ack, ms } = await c.emit('join', { size });
      if (!ack || ack.ok !== true) {
        failed++;
        const code = (ack && ack.error && `${ack.error.code}: ${ack.error.message}`) || JSON.stringify(ack);
        errors[code] = (errors[code] || 0) + 1;
      } else { lat.push(ms); c.room = ack.room; }
    };
    if (rate) {
      const every = 10; // ms
      const perTick = rate * every / 1000;
      let due = 0;
      let i = 0;
      const pending = [];
      await new Promise((resolve) => {
        const timer = setInterval(() => {
          due += perTick;
          while (due >= 1 && i < clients.length) { pending.push(one(clients[i++])); due--; }
          if (i >= clients.length) { clearInterval(timer); resolve(); }
        }, every);
      });
      await Promise.all(pending);
    } else {
      let i = 0;
      await Promise.all(Array.from({ length: Math.min(window, clients.length) }, async () => {
        while (i < clients.length) await one(clients[i++]);
      }));
    }
    return { joined: lat.length, failed, errors, ms: performance.now() - t0, lat };
  }

  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const lag = (reset) => {
    const r = { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
    if (reset) loop.reset();
    return r;
  };

  const handlers = {
    async connect(m) { lag(true); return connectMany(m); },
    async ids() { return clients.map((c) => [c.id, c.node]); },
    async nodes(m) { nodeOf = new Map(m.map); return {}; },
    async join(m) { return joinAll(m); },
    async play(m) {
      mode = m.mode;
      measuring = false;
      stats = freshStats();
      // Rounds already open (rooms filled before anyone was told to play) are played now.
      if (mode === 'fast') for (const c of clients) if (c.open) c.choose(c.open);
      return {};
    },
    async mark() { stats = freshStats(); measuring = true; lag(true); return { cpu: cpu() }; },
    async stop() {
      measuring = false;
      const s = stats;
      return {
        ...s, cpu: cpu(), lag: lag(false), live: clients.filter((c) => c.state === 2).length,
        playing: clients.filter((c) => c.deadlines.size > 0 || c.lastResult.size > 0).length, unexpectedCloses, closeReasons,
      };
    },
    async idle() { mode = 'idle'; return {}; },
    async closeAll() {
      closingAll = true;
      mode = 'idle';
      await Promise.race([
        Promise.all(clients.map((c) => new Promise((r) => {
          if (c.ws.readyState === WebSocket.CLOSED) { r(); return; }
          c.ws.once('close', r);
          c.ws.terminate();
        }))),
        new Promise((r) => setTimeout(r, 10000)),
      ]);
      clients = [];
      unexpectedCloses = 0;
      for (const k of Object.keys(closeReasons)) delete closeReasons[k];
      closingAll = false;
      return {};
    },
    async exit() { setImmediate(() => process.exit(0)); return {}; },
    async watch(m) { watched.add(m.pid); return {}; },
  };
  const watched = new Set();
  process.on('message', async (m) => {
    try {
      const r = await handlers[m.cmd](m);
      process.send({ rid: m.rid, ok: true, r });
    } catch (err) {
      process.send({ rid: m.rid, ok: false, err: String(err && err.stack || err) });
    }
  });
  process.on('disconnect', () => { // the steering process is gone: so are its servers
    for (const pid of watched) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------
// Steering process.
// ---------------------------------------------------------------------------
const REPO = path.resolve(__dirname, '..', '..');
const TMP = '/tmp/bench-cluster-rooms';
const children = new Set();
function cleanupSync() {
  for (const p of children) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  children.clear();
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanupSync(); process.exit(130); });

const HELP = `usage: node bench.js [options]
  --phases LIST        store,cluster (default both)
  --quick              a smoke run: 400 store players, 2,000 cluster players, 5 s windows, 1 repetition
  --store-players N    players of the store phase (default 2000)
  --store-window W     joins in flight per worker in the store phase (default 64)
  --duration S         measured seconds of settlement and of deadline rounds (default 10 / 30)
  --reps K             repetitions of the store phase per store (default 3)
  --players N          players of the cluster phase (default 10000)
  --nodes K            nodes of the cluster phase (default 2)
  --join-rate R        joins/s of the cluster phase, over all workers (default 500)
  --round-duration MS  cluster phase round duration (default 3000)
  --round-gap MS       cluster phase round gap (default 1000)
  --kinds LIST         runs of the cluster phase: memory-1-node (the same-run reference), cluster
                       (default both)
  --stores LIST        stores of the store phase (default memory,redis)
  --workers W          client processes (default 4); worker w connects from 127.0.0.(11+w)
  --bin PATH           rpsio binary (default: $RPSIO_BIN, else go build ./cmd/rpsio into ${TMP})
  --calm P             before each run, wait (at most 120 s) until CPU pressure (PSI some avg10) <= P %:
                       the machine is shared; the figures say what the pressure was
  --profile DIR        nodes serve pprof; CPU profiles of the join phase and the measured window,
                       and Redis INFO commandstats + SLOWLOG, go to DIR
  --out PATH           JSON results (default ${TMP}/results.json)`;

function parseArgs(argv) {
  const o = {
    phases: ['store', 'cluster'], storePlayers: 2000, storeWindow: 64, storeDuration: 10, reps: 3,
    players: 10000, nodes: 2, joinRate: 500, roundDuration: 3000, roundGap: 1000, clusterDuration: 30,
    kinds: ['memory-1-node', 'cluster'], stores: ['memory', 'redis'], workers: 4, bin: process.env.RPSIO_BIN ? path.resolve(process.env.RPSIO_BIN) : null,
    out: path.join(TMP, 'results.json'), quick: false,
  };
  const set = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    const num = () => { const v = Number(val()); if (!Number.isFinite(v) || v < 0) throw new Error(`${a}: bad number`); return v; };
    switch (a) {
      case '--phases': o.phases = val().split(','); break;
      case '--quick': o.quick = true; break;
      case '--store-players': o.storePlayers = num(); set.storePlayers = 1; break;
      case '--store-window': o.storeWindow = num(); break;
      case '--duration': { const d = num(); o.storeDuration = d; o.clusterDuration = d; set.duration = 1; break; }
      case '--reps': o.reps = Math.max(1, Math.floor(num())); set.reps = 1; break;
      case '--players': o.players = num(); set.players = 1; break;
      case '--nodes': o.nodes = Math.max(1, Math.floor(num())); break;
      case '--join-rate': o.joinRate = num(); break;
      case '--round-duration': o.roundDuration = num(); break;
      case '--round-gap': o.roundGap = num(); break;
      case '--kinds': o.kinds = val().split(','); break;
      case '--stores': o.stores = val().split(','); break;
      case '--workers': o.workers = Math.max(1, Math.floor(num())); break;
      case '--bin': o.bin = path.resolve(val()); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--calm': o.calm = num(); break;
      case '--profile': o.profile = path.resolve(val()); break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown argument ${a} (see --help)`);
    }
  }
  if (o.quick) {
    if (!set.storePlayers) o.storePlayers = 400;
    if (!set.players) o.players = 2000;
    if (!set.duration) { o.storeDuration = 5; o.clusterDuration = 5; }
    if (!set.reps) o.reps = 1;
  }
  for (const p of o.phases) if (!['store', 'cluster'].includes(p)) throw new Error(`unknown phase ${p}`);
  for (const k of o.kinds) if (!['memory-1-node', 'cluster'].includes(k)) throw new Error(`unknown kind ${k}`);
  for (const k of o.stores) if (!['memory', 'redis'].includes(k)) throw new Error(`unknown store ${k}`);
  if (o.players % 2 || o.storePlayers % 2) throw new Error('player counts must be even (rooms of 2)');
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; } })();
function procCpuMs(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 1000 / CLK_TCK;
  } catch { return NaN; }
}
function machineCpuMs() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - f[3] - f[4]) * 1000 / CLK_TCK, steal: (f[7] || 0) * 1000 / CLK_TCK };
}
// Share of the last 10 s in which some runnable task waited for a CPU (PSI), in %.
function cpuPressure() {
  try { return Number(/avg10=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))[1]); } catch { return null; }
}

async function calm(o) {
  if (o.calm == null) return cpuPressure();
  const end = Date.now() + 120000;
  let p = cpuPressure();
  while (p !== null && p > o.calm && Date.now() < end) {
    await sleep(2000);
    p = cpuPressure();
  }
  return p;
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/model name\s*:\s*(.*)/.exec(cpuinfo) || [])[1] || os.cpus()[0].model;
  return {
    cpu: model.trim(), cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(), node: process.version, loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    redis: execFileSync('redis-server', ['--version']).toString().trim().split(' ').slice(0, 3).join(' '),
  };
}

function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const r1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : x);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return res.json();
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await sleep(50);
  }
}

// Spawns a process, keeps the tail of its output, and all of it in `logFile` if given.
function spawnLogged(cmd, args, name, logFile) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let tail = '';
  const log = logFile ? fs.createWriteStream(logFile) : null;
  for (const s of [child.stdout, child.stderr]) {
    s.setEncoding('utf8');
    s.on('data', (c) => {
      tail = (tail + c).slice(-8192);
      if (log) log.write(c);
    });
  }
  child.exited = new Promise((r) => child.once('exit', (code, signal) => { children.delete(child); r({ code, signal }); }));
  child.tail = () => tail;
  child.label = name;
  return child;
}

async function startRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-rooms-redis-'));
  const port = await freePort();
  const child = spawnLogged('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--logfile', '', '--protected-mode', 'no', '--maxclients', '10000'], 'redis');
  const end = Date.now() + 10000;
  while (!/Ready to accept connections/.test(child.tail())) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`redis-server did not start:\n${child.tail()}`);
    await sleep(20);
  }
  return { child, port, url: `redis://127.0.0.1:${port}`, dir };
}

function redisCli(port, ...args) {
  return execFileSync('redis-cli', ['-p', String(port), ...args]).toString().trim();
}

let prefixes = 0;
// A fresh key prefix per run: the nodes of one run share it (they are one cluster).
const newPrefix = () => `bench-${process.pid}-${++prefixes}`;

async function startNode(o, { redis, prefix, roundDuration, roundGap }) {
  const port = await freePort();
  const args = ['--addr', `127.0.0.1:${port}`, '--round-duration', `${roundDuration}ms`, '--round-gap', `${roundGap}ms`,
    '--reconnect-grace', '60s', '--token-secret', 'bench', '--log-level', 'warn'];
  if (redis) args.push('--redis-url', redis.url, '--redis-prefix', prefix);
  fs.mkdirSync(path.join(TMP, 'logs'), { recursive: true });
  let pprof = null;
  if (o.profile) { pprof = await freePort(); args.push('--pprof-addr', `127.0.0.1:${pprof}`); }
  const child = spawnLogged(o.bin, args, `rpsio:${port}`, path.join(TMP, 'logs', `node-${port}.log`));
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 15000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${child.tail()}`);
  }
  for (const w of workers) await w.call('watch', { pid: child.pid });
  return { child, port, pprof, url: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, http: `http://127.0.0.1:${port}` };
}

// Stops a node; its log (warnings and errors) stays in TMP/logs/node-PORT.log.
async function stopNode(n) {
  if (n.child.exitCode !== null || n.child.signalCode !== null) return;
  n.child.kill('SIGTERM');
  const t = setTimeout(() => n.child.kill('SIGKILL'), 15000);
  await n.child.exited;
  clearTimeout(t);
}

class Worker {
  constructor(index) {
    this.index = index;
    this.addr = `127.0.0.${11 + index}`;
    this.proc = fork(__filename, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.proc);
    this.rid = 0;
    this.waiting = new Map();
    this.proc.on('message', (m) => {
      const w = this.waiting.get(m.rid);
      this.waiting.delete(m.rid);
      if (w) (m.ok ? w.resolve(m.r) : w.reject(new Error(`worker ${index}: ${m.err}`)));
    });
    this.proc.on('exit', (code) => {
      children.delete(this.proc);
      for (const w of this.waiting.values()) w.reject(new Error(`worker ${index} exited ${code}`));
      this.waiting.clear();
    });
  }

  get pid() { return this.proc.pid; }

  call(cmd, extra = {}, timeoutMs = 300000) {
    const rid = ++this.rid;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waiting.delete(rid); reject(new Error(`worker ${this.index}: ${cmd} timed out`)); }, timeoutMs);
      this.waiting.set(rid, { resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.proc.send({ cmd, rid, ...extra });
    });
  }
}

let workers = [];
const all = (cmd, extra) => Promise.all(workers.map((w, i) => w.call(cmd, typeof extra === 'function' ? extra(w, i) : extra)));

// Connects `players` over the workers (worker w from 127.0.0.(11+w)); player i goes to node i % nodes.
async function connectPlayers(nodes, players, prefix) {
  const per = Math.ceil(players / workers.length);
  const res = await all('connect', (w, i) => ({
    urls: nodes.map((n) => n.url), offset: i * per, count: Math.max(0, Math.min(per, players - i * per)),
    localAddress: w.addr, concurrency: 50, prefix,
  }));
  const ok = res.reduce((n, r) => n + r.ok, 0);
  if (ok !== players) throw new Error(`connected ${ok} of ${players}: ${JSON.stringify(res.map((r) => r.errors))}`);
  return Math.max(...res.map((r) => r.ms));
}

// CPU of processes over a window, % of one core.
function cpuSampler(pids) {
  const a = pids.map(procCpuMs);
  const m = machineCpuMs();
  const t0 = performance.now();
  return () => {
    const ms = performance.now() - t0;
    const m2 = machineCpuMs();
    return {
      procs: pids.map((pid, i) => r1(((procCpuMs(pid) - a[i]) / ms) * 100)),
      machinePct: r1(((m2.busy - m.busy) / ms) * 100),
      stealPct: r1(((m2.steal - m.steal) / ms) * 100),
    };
  };
}

async function storeRun(o, redis, store) {
  const pressure = await calm(o);
  const node = await startNode(o, { redis: store === 'redis' ? redis : null, prefix: newPrefix(), roundDuration: 10000, roundGap: 0 });
  try {
    await connectPlayers([node], o.storePlayers, `s${store[0]}`);
    // Matchmaking: everybody joins, W in flight per worker.
    const pids = [node.child.pid, ...(store === 'redis' ? [redis.child.pid] : [])];
    let cpu = cpuSampler(pids);
    const joins = await all('join', { size: 2, window: o.storeWindow });
    const joinCpu = cpu();
    const failed = joins.reduce((n, j) => n + j.failed, 0);
    const joinErrors = {};
    for (const j of joins) for (const [k, v] of Object.entries(j.errors)) joinErrors[k] = (joinErrors[k] || 0) + v;
    const joinMs = Math.max(...joins.map((j) => j.ms));
    const joinLat = joins.flatMap((j) => j.lat);
    // Settlement: rooms of 2 with no gap; both choose at once. 1 s warm-up, then measured.
    await all('play', { mode: 'fast' });
    await sleep(1000);
    cpu = cpuSampler(pids);
    await all('mark');
    const t0 = performance.now();
    await sleep(o.storeDuration * 1000);
    const st = await all('stop');
    const ms = performance.now() - t0;
    const settleCpu = cpu();
    await all('idle');
    const results = st.reduce((n, s) => n + s.results, 0);
    const out = {
      store,
      pressure,
      loadavg: os.loadavg()[0],
      players: o.storePlayers,
      joinsPerSec: r1((o.storePlayers - failed) / (joinMs / 1000)),
      joinsFailed: failed,
      joinErrors,
      joinP50: r1(percentile(joinLat, 50)),
      joinP99: r1(percentile(joinLat, 99)),
      joinCpu,
      roundsPerSec: r1(results / 2 / (ms / 1000)),
      settleCpu,
      dup: st.reduce((n, s) => n + s.dup, 0),
      refused: st.reduce((n, s) => n + s.refused, 0),
      closes: st.reduce((n, s) => n + s.unexpectedCloses, 0),
      clientLagMaxMs: r1(Math.max(...st.map((s) => s.lag.maxMs))),
    };
    return out;
  } finally {
    await all('closeAll');
    await stopNode(node);
    if (store === 'redis') redisCli(redis.port, 'FLUSHALL');
  }
}

// With --profile DIR: a CPU profile of every node over `seconds` into DIR (name-node<i>.pprof),
// and, for a run on Redis, Redis's command stats and slow log after it (name-redis.txt).
function profileNodes(o, nodes, redis, name, seconds) {
  if (!o.profile) return Promise.resolve();
  fs.mkdirSync(o.profile, { recursive: true });
  if (redis) { try { redisCli(redis.port, 'CONFIG', 'RESETSTAT'); redisCli(redis.port, 'SLOWLOG', 'RESET'); redisCli(redis.port, 'CONFIG', 'SET', 'slowlog-log-slower-than', '2000'); } catch { /* best effort */ } }
  return Promise.all(nodes.map(async (n, i) => {
    setTimeout(async () => { // where the goroutines wait, half-way through
      try {
        const res = await fetch(`http://127.0.0.1:${n.pprof}/debug/pprof/goroutine?debug=1`, { signal: AbortSignal.timeout(30000) });
        fs.writeFileSync(path.join(o.profile, `${name}-node${i}-goroutines.txt`), await res.text());
      } catch (err) { console.error(`goroutines of node ${i}: ${err.message}`); }
    }, seconds * 500);
    try {
      const res = await fetch(`http://127.0.0.1:${n.pprof}/debug/pprof/profile?seconds=${seconds}`, { signal: AbortSignal.timeout((seconds + 30) * 1000) });
      fs.writeFileSync(path.join(o.profile, `${name}-node${i}.pprof`), Buffer.from(await res.arrayBuffer()));
    } catch (err) { console.error(`profile of node ${i}: ${err.message}`); }
  })).then(() => {
    if (!redis) return;
    try {
      const txt = [redisCli(redis.port, 'INFO', 'commandstats'), redisCli(redis.port, 'SLOWLOG', 'GET', '30'), redisCli(redis.port, 'INFO', 'stats'), redisCli(redis.port, 'DBSIZE')].join('\n\n');
      fs.writeFileSync(path.join(o.profile, `${name}-redis.txt`), txt);
    } catch (err) { console.error(`redis stats: ${err.message}`); }
  });
}

async function clusterRun(o, redis, kind) {
  const pressure = await calm(o);
  const nodes = [];
  const roundOpts = { roundDuration: o.roundDuration, roundGap: o.roundGap, prefix: newPrefix() };
  try {
    if (kind === 'cluster') for (let i = 0; i < o.nodes; i++) nodes.push(await startNode(o, { redis, ...roundOpts }));
    else nodes.push(await startNode(o, { redis: null, ...roundOpts }));
    const connectMs = await connectPlayers(nodes, o.players, kind === 'cluster' ? 'c' : 'm');
    const ids = (await all('ids')).flat();
    await all('nodes', { map: ids });
    await all('play', { mode: 'deadline' });
    const pids = [...nodes.map((n) => n.child.pid), ...(kind === 'cluster' ? [redis.child.pid] : [])];
    const perWorkerRate = o.joinRate / workers.length;
    const joinProf = profileNodes(o, nodes, kind === 'cluster' ? redis : null, `${kind}-join`, Math.min(20, Math.max(1, Math.floor(o.players / o.joinRate) - 1)));
    const joins = await all('join', { size: 2, rate: perWorkerRate });
    await joinProf;
    const joinErrors = {};
    for (const j of joins) for (const [k, v] of Object.entries(j.errors)) joinErrors[k] = (joinErrors[k] || 0) + v;
    const joinLat = joins.flatMap((j) => j.lat);
    // Let every room get through a round, then measure.
    await sleep(o.roundDuration + o.roundGap + 500);
    const cpu = cpuSampler(pids);
    const marks = await all('mark');
    const t0 = performance.now();
    const roundProf = profileNodes(o, nodes, kind === 'cluster' ? redis : null, `${kind}-rounds`, Math.max(1, Math.min(20, o.clusterDuration - 2)));
    await sleep(o.clusterDuration * 1000);
    await roundProf;
    const st = await all('stop');
    const ms = performance.now() - t0;
    const c = cpu();
    const lat = st.flatMap((s) => s.lat);
    const cross = st.flatMap((s) => s.latCross);
    // The cluster's own view (connections across nodes, live nodes); a busy node may be slow.
    const stats = await waitHttp(`${nodes[0].http}/api/stats`, 20000).catch((err) => ({ error: err.message }));
    return {
      kind,
      pressure,
      pressureAfter: cpuPressure(),
      loadavg: os.loadavg()[0],
      nodes: nodes.length,
      players: o.players,
      connectMs: r1(connectMs),
      joinP50: r1(percentile(joinLat, 50)),
      joinP99: r1(percentile(joinLat, 99)),
      joinMax: r1(Math.max(...joinLat)),
      joinErrors,
      results: lat.length,
      resultsPerSec: r1(lat.length / (ms / 1000)),
      p50: r1(percentile(lat, 50)),
      p99: r1(percentile(lat, 99)),
      max: r1(Math.max(...lat)),
      crossResults: cross.length,
      crossP50: r1(percentile(cross, 50)),
      crossP99: r1(percentile(cross, 99)),
      cpu: c,
      statsConnections: stats.connections,
      statsNodes: stats.nodes,
      dup: st.reduce((n, s) => n + s.dup, 0),
      refused: st.reduce((n, s) => n + s.refused, 0),
      refusedCodes: st.reduce((m, s) => { for (const [k, v] of Object.entries(s.refusedCodes)) m[k] = (m[k] || 0) + v; return m; }, {}),
      closes: st.reduce((n, s) => n + s.unexpectedCloses, 0),
      live: st.reduce((n, s) => n + s.live, 0),
      playing: st.reduce((n, s) => n + s.playing, 0),
      clientCpuPct: st.map((s, i) => r1(((s.cpu - marks[i].cpu) / ms) * 100)),
      clientLagMaxMs: r1(Math.max(...st.map((s) => s.lag.maxMs))),
    };
  } finally {
    await all('closeAll');
    for (const n of nodes) await stopNode(n);
    if (kind === 'cluster') redisCli(redis.port, 'FLUSHALL');
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) { console.log(HELP); return; }
  fs.mkdirSync(TMP, { recursive: true });
  if (!o.bin) {
    o.bin = path.join(TMP, 'rpsio');
    console.error(`building ${o.bin}`);
    execFileSync('go', ['build', '-o', o.bin, './cmd/rpsio'], { cwd: REPO, stdio: 'inherit' });
  }
  const m = machine();
  console.error(`machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, load ${m.loadavg}; ${m.redis}`);
  workers = Array.from({ length: o.workers }, (_, i) => new Worker(i));
  const redis = await startRedis();
  for (const w of workers) await w.call('watch', { pid: redis.child.pid });
  const out = { machine: m, options: o, store: [], cluster: [] };
  try {
    if (o.phases.includes('store')) {
      for (let rep = 0; rep < o.reps; rep++) {
        const order = rep % 2 ? [...o.stores].reverse() : o.stores;
        for (const store of order) {
          const r = await storeRun(o, redis, store);
          console.error(`store ${store} #${rep + 1}: ${JSON.stringify(r)}`);
          out.store.push(r);
        }
      }
    }
    if (o.phases.includes('cluster')) {
      for (const kind of o.kinds) {
        const r = await clusterRun(o, redis, kind);
        console.error(`${kind}: ${JSON.stringify(r)}`);
        out.cluster.push(r);
      }
    }
  } finally {
    for (const w of workers) { try { await w.call('exit', {}, 5000); } catch { /* gone */ } }
    redis.child.kill('SIGKILL');
    await redis.child.exited;
    fs.rmSync(redis.dir, { recursive: true, force: true });
  }
  fs.writeFileSync(o.out, JSON.stringify(out, null, 2));
  console.log(report(out));
  console.error(`JSON: ${o.out}`);
}

const median = (xs) => percentile(xs.filter(Number.isFinite), 50);

function report(out) {
  const lines = [];
  const m = out.machine;
  lines.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}, ${m.redis}; load at start ${m.loadavg}`);
  if (out.store.length) {
    const of = (s, k) => median(out.store.filter((r) => r.store === s).map((r) => r[k]));
    const row = (label, k, unit) => {
      const mem = of('memory', k);
      const red = of('redis', k);
      lines.push(`| ${label} | ${mem} ${unit} | ${red} ${unit} | ${mem ? `${(red / mem).toFixed(2)}×` : '—'} |`);
    };
    const reps = out.store.filter((r) => r.store === 'memory').length;
    lines.push('', `One node, ${out.options.storePlayers} players, medians of ${reps} runs:`, '',
      '| | in-memory store | Redis store | Redis / memory |', '|---|---|---|---|');
    row('matchmaking (joins/s, saturated)', 'joinsPerSec', '/s');
    row('join ack p50 (saturated)', 'joinP50', 'ms');
    row('join ack p99 (saturated)', 'joinP99', 'ms');
    row('settlement (rounds/s, gap 0, both choose at once)', 'roundsPerSec', '/s');
    row('joins failed (of all players, saturated)', 'joinsFailed', '');
  }
  for (const r of out.cluster) {
    lines.push('', `${r.kind}: ${r.players} players on ${r.nodes} node(s), joins at ${out.options.joinRate}/s, rounds ${out.options.roundDuration} ms + gap ${out.options.roundGap} ms, ${out.options.clusterDuration} s measured`,
      `  join ack p50 ${r.joinP50} ms, p99 ${r.joinP99} ms, max ${r.joinMax} ms; failed joins ${JSON.stringify(r.joinErrors)}`,
      `  deadline→result: ${r.results} results (${r.resultsPerSec}/s), p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; across nodes: ${r.crossResults}, p50 ${r.crossP50} ms, p99 ${r.crossP99} ms`,
      `  CPU % of a core: nodes${r.kind === 'cluster' ? ' + redis' : ''} ${r.cpu.procs.join(' / ')}, machine ${r.cpu.machinePct}, stolen ${r.cpu.stealPct}; clients ${r.clientCpuPct.join(' / ')}, worst client loop delay ${r.clientLagMaxMs} ms`,
      `  CPU pressure (PSI avg10) before ${r.pressure} %, after ${r.pressureAfter} %; load average ${r.loadavg.toFixed(1)}`,
      `  players in rooms that played ${r.playing} of ${r.players}; duplicates ${r.dup}, refused chooses ${r.refused} ${JSON.stringify(r.refusedCodes || {})}, unexpected closes ${r.closes}, live ${r.live}; /api/stats connections ${r.statsConnections}, nodes ${r.statsNodes}`);
  }
  const ref = out.cluster.find((r) => r.kind === 'memory-1-node');
  const cl = out.cluster.find((r) => r.kind === 'cluster');
  if (ref && cl) lines.push('', `cluster / one in-memory node: deadline→result p99 ${r1(cl.p99 / ref.p99)}×, join ack p99 ${r1(cl.joinP99 / ref.joinP99)}×`);
  return lines.join('\n');
}

if (process.argv[2] === '--worker') worker();
else main().catch((err) => { console.error(err && err.stack || err); cleanupSync(); process.exit(1); });
