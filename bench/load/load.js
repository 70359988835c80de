#!/usr/bin/env node
// Load benchmark: rpsio's Socket.IO server (socketio/conformance, "ours")
// against the official Node socket.io server (test/reference/server.js,
// "reference"), both measured in the same run with the same procedure.
//
//   node load.js            full run (~3 min; up to ~4 when runs are retried)
//   node load.js --quick    smoke test (~30 s): exits non-zero if a phase fails
//   node load.js --help     all options
//
// Phases (each repetition starts a fresh server; ours and the reference
// alternate, and which goes first alternates between repetitions):
//   mem    N idle connections: (RSS after - RSS before) / N
//   ack    C connections each keep one `message-with-ack` in flight
//   bcast  R sockets in one room, one sender emits `to-room` (windowed)
//
// The load comes from worker processes (this file run with --worker) so that
// one Node event loop is not the client's limit; this process only steers,
// reads /proc and prints. Only 127.0.0.1 is ever contacted.
'use strict';

const { spawn, fork, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

// ---------------------------------------------------------------------------
// Worker: holds client connections and generates the load.
// ---------------------------------------------------------------------------

function workerMain() {
  const WebSocket = require('ws');
  const CH = (s) => s.charCodeAt(0);
  const C0 = CH('0'), C2 = CH('2'), C3 = CH('3'), C4 = CH('4'), COMMA = CH(','), RBR = CH(']');
  const TICK_PREFIX = Buffer.from('42["tick",');
  const RING = 4096;

  const conns = []; // every Conn of this worker
  const groups = { idle: [], ack: [], recv: [], send: [] };
  let unexpectedCloses = 0;
  let closeReasons = {};
  let closingAll = false;

  // ack phase state
  let ackRunning = false, ackMeasuring = false;
  let ackCount = 0, ackBad = 0, ackMarkT = 0, ackStopT = 0;
  let hist = null; // log-scale latency histogram (see histAdd)

  // broadcast phase state
  let bcRunning = false, bcMeasuring = false;
  let delivered = 0, gaps = 0, bcMarkT = 0, bcStopT = 0;
  let nLocalRecv = 0, cnt = null, doneUpTo = 0, lastReported = 0, reportTimer = null;
  let sender = null, sendSeq = 0, sentInWindow = 0, window = 16;
  let remoteDone = new Map(); // worker index -> doneUpTo of that worker's receivers

  function histAdd(ms) {
    const us = ms * 1000;
    const i = us < 1 ? 0 : Math.min(hist.length - 1, Math.floor(Math.log(us) * 100));
    hist[i]++;
  }

  class Conn {
    constructor(url, group, cb, localAddress) {
      this.group = group;
      this.state = 0; // 0: wait Engine.IO open, 1: wait Socket.IO connect, 2: ready
      this.cb = cb;
      this.dead = false;
      this.ackId = 0; this.sentAt = 0; this.expect = null; this.inFlight = false;
      this.lastSeq = 0;
      this.pending = null; // join ack callback
      this.ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, ...(localAddress ? { localAddress } : {}) });
      this.timer = setTimeout(() => this.fail('handshake timeout'), 10000);
      this.ws.on('message', (data) => this.onMessage(data));
      this.ws.on('error', (err) => this.fail('error: ' + err.message));
      this.ws.on('close', (code) => this.onClose(code));
    }
    fail(why) {
      if (this.cb) { const cb = this.cb; this.cb = null; clearTimeout(this.timer); cb(why); }
      if (!this.dead) { this.dead = true; try { this.ws.terminate(); } catch { /* closed */ } }
    }
    onClose(code) {
      const wasReady = this.state === 2 && !this.dead;
      this.dead = true;
      if (this.cb) this.fail('closed ' + code);
      if (wasReady && !closingAll) {
        unexpectedCloses++;
        closeReasons[code] = (closeReasons[code] || 0) + 1;
        if (this.group === 'recv' && bcRunning) dropReceiver(this);
      }
    }
    onMessage(b) {
      if (b.length === 1 && b[0] === C2) { this.ws.send('3'); return; } // Engine.IO ping
      if (this.state === 0) {
        if (b[0] !== C0) return this.fail('expected open packet, got ' + b.toString());
        this.state = 1;
        this.ws.send('40');
        return;
      }
      if (this.state === 1) {
        if (b[0] !== C4) return; // e.g. a noop
        if (b[1] === C0) {
          this.state = 2;
          clearTimeout(this.timer);
          const cb = this.cb; this.cb = null; cb(null);
        } else if (b[1] === C4) this.fail('connect error ' + b.toString());
        return;
      }
      if (b[0] !== C4) return; // 1 (close) shows up as a close event too
      if (b[1] === C3) return this.onAck(b);
      if (b[1] === C2 && this.group === 'recv') return this.onTick(b);
    }
    onAck(b) {
      if (this.pending) { const p = this.pending; this.pending = null; p(b.toString('latin1')); return; }
      if (!this.inFlight) return;
      const now = performance.now();
      if (b.toString('latin1') !== this.expect) ackBad++;
      this.inFlight = false;
      if (ackMeasuring && this.sentAt >= ackMarkT) { ackCount++; histAdd(now - this.sentAt); }
      if (ackRunning) this.sendAck();
    }
    sendAck() {
      const id = ++this.ackId;
      this.expect = '43' + id + '[' + id + ']';
      this.inFlight = true;
      this.sentAt = performance.now();
      this.ws.send('42' + id + '["message-with-ack",' + id + ']');
    }
    join(room) {
      return new Promise((resolve) => {
        const id = ++this.ackId;
        const t = setTimeout(() => { this.pending = null; resolve(false); }, 10000);
        this.pending = (s) => { clearTimeout(t); resolve(s === '43' + id + '[]'); };
        this.ws.send('42' + id + '["join",' + JSON.stringify(room) + ']');
      });
    }
    onTick(b) {
      if (b.length < TICK_PREFIX.length + 2 || b.compare(TICK_PREFIX, 0, TICK_PREFIX.length, 0, TICK_PREFIX.length) !== 0) return;
      // 42["tick",<seq>]: the number sits between the last ',' and ']'.
      let i = b.length - 1;
      if (b[i] !== RBR) return;
      let seq = 0, mul = 1;
      for (i--; i >= 0 && b[i] !== COMMA; i--) { seq += (b[i] - C0) * mul; mul *= 10; }
      if (seq <= this.lastSeq) { gaps++; return; } // duplicate or out of order
      if (bcMeasuring) delivered++;
      if (seq !== this.lastSeq + 1) gaps += seq - this.lastSeq - 1;
      for (let s = this.lastSeq + 1; s <= seq; s++) cnt[s % RING]++;
      this.lastSeq = seq;
      let advanced = false;
      while (cnt[(doneUpTo + 1) % RING] === nLocalRecv) { cnt[(doneUpTo + 1) % RING] = 0; doneUpTo++; advanced = true; }
      if (advanced && sender) pump();
    }
  }

  // A receiver that went away no longer holds the sender back (the phase
  // still fails: the drop is counted).
  function dropReceiver(c) {
    for (let s = doneUpTo + 1; s <= c.lastSeq; s++) cnt[s % RING]--;
    nLocalRecv--;
    if (nLocalRecv === 0) doneUpTo = Infinity;
    else while (cnt[(doneUpTo + 1) % RING] === nLocalRecv) { cnt[(doneUpTo + 1) % RING] = 0; doneUpTo++; }
    if (sender) pump();
  }

  function pump() {
    if (!bcRunning || sender.dead) return;
    let min = doneUpTo;
    for (const v of remoteDone.values()) if (v < min) min = v;
    if (!Number.isFinite(min)) return;
    while (sendSeq - min < window) {
      sendSeq++;
      if (bcMeasuring) sentInWindow++;
      sender.ws.send('42["to-room","bench","tick",' + sendSeq + ']');
    }
  }

  function connectMany(url, count, group, conc, localAddress) {
    return new Promise((resolve) => {
      let started = 0, ok = 0, failed = 0; const errors = {};
      const t0 = performance.now();
      const finish = () => resolve({ ok, failed, errors, ms: performance.now() - t0 });
      if (count === 0) return finish();
      const next = () => {
        if (started >= count) return;
        started++;
        const c = new Conn(url, group, (err) => {
          if (err) { failed++; errors[err] = (errors[err] || 0) + 1; } else { ok++; groups[group].push(c); }
          if (ok + failed === count) finish(); else next();
        }, localAddress);
        conns.push(c);
      };
      for (let i = 0; i < Math.min(conc, count); i++) next();
    });
  }

  function cpu() { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
  // This event loop's delays: over ~200 ms, pings go unanswered in time.
  const loopDelay = require('perf_hooks').monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  function lag(reset) {
    const r = { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
    if (reset) loopDelay.reset();
    return r;
  }

  const handlers = {
    async connect(m) { lag(true); return connectMany(m.url, m.count, m.group, m.concurrency || 100, m.localAddress); },
    async status() {
      return { unexpectedCloses, closeReasons, live: conns.filter((c) => c.state === 2 && !c.dead).length, lag: lag(false) };
    },
    async ackStart() {
      hist = new Array(1700).fill(0); ackCount = 0; ackBad = 0;
      ackRunning = true; ackMeasuring = false;
      for (const c of groups.ack) if (!c.dead) c.sendAck();
      return {};
    },
    async ackMark() {
      hist.fill(0); ackCount = 0; ackMarkT = performance.now(); ackMeasuring = true; lag(true);
      return { cpu: cpu() };
    },
    async ackStop() {
      ackStopT = performance.now(); ackMeasuring = false; ackRunning = false;
      return { acks: ackCount, bad: ackBad, ms: ackStopT - ackMarkT, hist: sparse(hist), cpu: cpu(), lag: lag(false) };
    },
    async join(m) {
      const res = await Promise.all(groups.recv.map((c) => c.join(m.room)));
      return { joined: res.filter(Boolean).length, of: groups.recv.length };
    },
    async bcastStart(m) {
      nLocalRecv = groups.recv.length; cnt = new Int32Array(RING); doneUpTo = 0; lastReported = 0;
      delivered = 0; gaps = 0; sentInWindow = 0; window = m.window; sendSeq = 0;
      for (const c of groups.recv) c.lastSeq = 0;
      remoteDone = new Map((m.remotes || []).map((w) => [w, 0]));
      bcRunning = true; bcMeasuring = false;
      if (nLocalRecv === 0) doneUpTo = Infinity; // no local receivers: do not hold the sender back
      if (m.sender) { sender = groups.send[0] || null; if (sender) pump(); }
      else if (nLocalRecv > 0) {
        // Report progress for the sender's flow control, at most every 5 ms.
        reportTimer = setInterval(() => {
          if (doneUpTo !== lastReported) { lastReported = doneUpTo; process.send({ ev: 'done', v: doneUpTo }); }
        }, 5);
      }
      return {};
    },
    async remoteDone(m) { remoteDone.set(m.from, m.v == null ? Infinity : m.v); if (sender) pump(); }, // IPC JSON turns Infinity into null
    async bcastMark() {
      delivered = 0; sentInWindow = 0; bcMarkT = performance.now(); bcMeasuring = true; lag(true);
      return { cpu: cpu() };
    },
    async bcastStop() {
      bcStopT = performance.now(); bcMeasuring = false; bcRunning = false;
      if (reportTimer) { clearInterval(reportTimer); reportTimer = null; }
      return { delivered, sent: sentInWindow, gaps, ms: bcStopT - bcMarkT, recv: nLocalRecv, cpu: cpu(), lag: lag(false) };
    },
    async closeAll() {
      closingAll = true; ackRunning = false; bcRunning = false; sender = null;
      const live = conns.filter((c) => !c.dead);
      await Promise.race([
        Promise.all(live.map((c) => new Promise((r) => { c.ws.once('close', r); c.ws.terminate(); }))),
        new Promise((r) => setTimeout(r, 5000)),
      ]);
      conns.length = 0; for (const g of Object.keys(groups)) groups[g] = [];
      unexpectedCloses = 0; closeReasons = {}; closingAll = false;
      return {};
    },
    async exit() { setImmediate(() => process.exit(0)); return {}; },
    async watch(m) { watched.add(m.pid); },
    async unwatch(m) { watched.delete(m.pid); },
  };
  // Servers the steering process started: if it dies without stopping them
  // (SIGKILL), the first worker to notice ends them.
  const watched = new Set();

  process.on('message', async (m) => {
    try {
      const r = await handlers[m.cmd](m);
      if (m.rid !== undefined) process.send({ rid: m.rid, ok: true, r });
    } catch (err) {
      if (m.rid !== undefined) process.send({ rid: m.rid, ok: false, err: String(err && err.stack || err) });
    }
  });
  process.on('disconnect', () => { // the steering process went away
    for (const pid of watched) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    process.exit(0);
  });
}

function sparse(h) { const o = []; for (let i = 0; i < h.length; i++) if (h[i]) o.push([i, h[i]]); return o; }

// ---------------------------------------------------------------------------
// Steering process.
// ---------------------------------------------------------------------------

const REPO = path.resolve(__dirname, '..', '..');
const TMP = '/tmp/bench-load';
const children = new Set(); // every process we started, to end on the way out

function cleanupSync() {
  for (const p of children) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  children.clear();
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanupSync(); process.exit(130); });

// The two ways of measuring of issue 11. A: server and two client workers
// share both cores as the scheduler likes. B ("pinned"): the server on core
// 0, one client worker (and this process) on core 1, so the server's CPU
// and latency are its own.
const MODES = {
  A: { label: 'A (unpinned, 2 client workers)', workers: 2, pin: false },
  B: { label: 'B (pinned: server on core 0, 1 client worker on core 1)', workers: 1, pin: true },
};

// Issue 11's targets, as ratios ours/reference (lower is better for all).
const TARGETS = [
  ['ack', 'serverCpuMsPer1kAcks', 'server CPU per acked round trip', 0.33],
  ['ack', 'p99Ms', 'ack latency p99', 1.0],
  ['mem', 'bytesPerConnGc', 'memory per idle connection (RSS, after a full collection)', 0.5],
  ['mem', 'idleServerPct', 'server CPU holding N idle connections, 300 ms pings', 0.5],
  ['bcast', 'serverCpuMsPer1kMsgs', 'server CPU per broadcast delivery', 0.4],
];

function parseArgs(argv) {
  const o = {
    quick: false, conns: 5000, ackConns: 50, pinAckConns: 200, room: 200, duration: 5, warmup: 1, reps: 3,
    window: 16, connectConcurrency: 20, out: path.join(TMP, 'results.json'), bin: path.join(TMP, 'conformance'),
    zsioBin: path.join(TMP, 'zsio'), floorBin: path.join(TMP, 'floor'), syscalls: false, build: true, servers: ['ours', 'ref', 'zsio'], modes: ['A', 'B'], settleMax: 20,
    idleWindow: 3, retries: 1, calm: null, oursEnv: {}, phases: ['mem', 'ack', 'bcast'],
    scale: false, scaleConns: 19800, scaleWorkers: 4, scalePingInterval: 25000, scalePingTimeout: 20000,
  };
  const set = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(a + ' needs a value'); return argv[++i]; };
    const num = () => { const v = Number(val()); if (!Number.isFinite(v) || v < 0) throw new Error(a + ': bad number'); return v; };
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--conns': o.conns = num(); set.conns = 1; break;
      case '--ack-conns': o.ackConns = num(); set.ackConns = 1; break;
      case '--pin-ack-conns': o.pinAckConns = num(); set.pinAckConns = 1; break;
      case '--room': o.room = num(); set.room = 1; break;
      case '--duration': o.duration = num(); set.duration = 1; break;
      case '--warmup': o.warmup = num(); set.warmup = 1; break;
      case '--reps': o.reps = Math.max(1, Math.floor(num())); set.reps = 1; break;
      case '--idle-window': o.idleWindow = num(); set.idleWindow = 1; break;
      case '--connect-concurrency': o.connectConcurrency = Math.max(1, Math.floor(num())); break;
      case '--window': o.window = Math.max(1, Math.floor(num())); break;
      case '--ours-env': { const [k, ...v] = val().split('='); o.oursEnv[k] = v.join('='); break; }
      case '--calm': o.calm = num(); break;
      case '--retries': o.retries = Math.floor(num()); set.retries = 1; break;
      case '--settle-max': o.settleMax = num(); set.settleMax = 1; break;
      case '--out': o.out = path.resolve(val()); break;
      case '--bin': o.bin = path.resolve(val()); o.build = false; break;
      case '--zsio-bin': o.zsioBin = path.resolve(val()); o.build = false; break;
      case '--alt-bin': o.altBin = path.resolve(val()); break;
      case '--floor-bin': o.floorBin = path.resolve(val()); o.build = false; break;
      case '--syscalls': o.syscalls = true; break;
      case '--no-build': o.build = false; break;
      case '--only': o.servers = [val()]; break;
      case '--servers': o.servers = val().split(','); break;
      case '--modes': o.modes = val().toUpperCase().split(','); break;
      case '--phases': o.phases = val().split(','); break;
      case '--scale': o.scale = true; break;
      case '--scale-conns': o.scaleConns = Math.floor(num()); break;
      case '--scale-workers': o.scaleWorkers = Math.max(1, Math.floor(num())); break;
      case '--scale-ping': o.scalePingInterval = num(); break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error('unknown argument ' + a + ' (see --help)');
    }
  }
  if (o.quick) {
    const q = { conns: 500, ackConns: 20, pinAckConns: 40, room: 50, duration: 2, warmup: 0.5, reps: 1, settleMax: 8, idleWindow: 1, retries: 2 };
    for (const k of Object.keys(q)) if (!set[k]) o[k] = q[k];
    if (o.scale) o.scaleConns = Math.min(o.scaleConns, 2000);
  }
  for (const p of o.phases) if (!['mem', 'ack', 'bcast'].includes(p)) throw new Error('unknown phase ' + p);
  for (const m of o.modes) if (!MODES[m]) throw new Error('unknown mode ' + m + ' (A or B)');
  for (const n of o.servers) if (!SERVERS[n]) throw new Error('unknown server ' + n + ' (' + Object.keys(SERVERS).join(', ') + ')');
  return o;
}

const HELP = `usage: node load.js [options]
  (default: modes A and B, servers ours, ref and zsio, phases mem, ack and bcast, medians of 3)
  --quick            N=500, C=20 (B: 40), R=50, 2 s phases, 0.5 s warm-up, 1 repetition, 2 retries
  --modes A,B        A: unpinned, 2 client workers; B: server pinned to core 0, 1 client worker on core 1
  --servers LIST     comma-separated subset of ours,ref,zsio,floor-nbio,floor-nbio-handoff,floor-net (--only X: one)
                     floor-*: bench/floor, the least a Go server does for this contract, on lesismal/nbio
                     (event-driven; -handoff: handlers on a goroutine per busy session, not on the poller)
                     or on net with a goroutine per connection
  --syscalls         count the server's system calls in every measured window (perf stat, tracepoints;
                     adds overhead: take CPU figures from runs without it)
  --conns N          idle connections for the memory phase (default 5000)
  --ack-conns C      mode A: connections with one ack in flight each (default 50)
  --pin-ack-conns C  mode B: the same (default 200)
  --room R           receivers in the broadcast room (default 200)
  --duration S       measured seconds of the ack and broadcast phases (default 5)
  --warmup S         seconds of load before measuring (default 1)
  --idle-window S    seconds over which the CPU of N idle connections is measured (default 3)
  --reps K           repetitions of every phase per server (default 3)
  --window W         broadcasts the sender may have ahead of the slowest receiver (default 16)
  --connect-concurrency K  handshakes in flight per worker (default 20)
  --settle-max S     longest wait for a stable RSS (default 20, quick 8)
  --retries K        attempts after a failed run (default 1, quick 2); all attempts are kept in the JSON
  --calm P           before each run, wait (at most 30 s) until CPU pressure (PSI some avg10) <= P %
  --phases LIST      comma-separated subset of mem,ack,bcast
  --scale            instead: the scale run (as many idle WebSocket connections as the fd limit allows)
  --scale-conns N    connections of the scale run (default 19800: the server's limit is ${'`ulimit -n`'} = 20000)
  --scale-workers K  client processes of the scale run, each from its own 127.0.0.x (default 4)
  --scale-ping MS    ping interval of the scale run (default 25000, the production default; timeout 20000)
  --ours-env K=V     extra environment for our server, e.g. GOGC=50 (repeatable)
  --bin PATH         our conformance binary (skips the builds)
  --zsio-bin PATH    the zishang520/socket.io fixture binary (skips the builds)
  --floor-bin PATH   the bench/floor binary (skips the builds)
  --alt-bin PATH     another build of socketio/conformance, run as server "alt" (e.g. the code before a change)
  --no-build         use ${TMP}/conformance and ${TMP}/zsio as they are
  --out PATH         JSON results (default ${TMP}/results.json)`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; } })();

function procCpuMs(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) * 1000 / CLK_TCK; // utime, stime
}
// The kernel's share (stime) of a process's CPU, in ms.
function procSysMs(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[12]) * 1000 / CLK_TCK;
}
function procRss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
// Share of the last 10 s in which some runnable task waited for a CPU (PSI).
function cpuPressure() {
  try { return Number(/avg10=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))[1]); } catch { return null; }
}
function machineCpuMs() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - f[3] - f[4]) * 1000 / CLK_TCK, steal: (f[7] || 0) * 1000 / CLK_TCK };
}
// Pins every thread of pid to cpus ("0", "1", "0-1").
function pin(pid, cpus) { execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }); }
const ALL_CPUS = `0-${os.cpus().length - 1}`;

// ---- workers ----

class Worker {
  constructor(index, onEvent, cpus) {
    this.index = index;
    this.proc = fork(__filename, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(this.proc);
    if (cpus) pin(this.proc.pid, cpus);
    this.rid = 0; this.waiting = new Map();
    this.proc.on('message', (m) => {
      if (m.rid !== undefined) {
        const w = this.waiting.get(m.rid); this.waiting.delete(m.rid);
        if (w) (m.ok ? w.resolve(m.r) : w.reject(new Error('worker ' + index + ': ' + m.err)));
      } else onEvent(this, m);
    });
    this.proc.on('exit', (code) => {
      children.delete(this.proc);
      for (const w of this.waiting.values()) w.reject(new Error('worker ' + index + ' exited ' + code));
      this.waiting.clear();
    });
  }
  get pid() { return this.proc.pid; }
  call(cmd, extra = {}, timeoutMs = 60000) {
    const rid = ++this.rid;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waiting.delete(rid); reject(new Error(`worker ${this.index}: ${cmd} timed out`)); }, timeoutMs);
      this.waiting.set(rid, { resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.proc.send({ cmd, rid, ...extra });
    });
  }
  send(cmd, extra = {}) { this.proc.send({ cmd, ...extra }); }
  async stop() {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    try { this.send('exit'); } catch { /* channel closed */ }
    if (await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])) return;
    this.proc.kill('SIGKILL'); await exited;
  }
}

function startWorkers(n, cpus) {
  const workers = [];
  const onEvent = (from, m) => { // relay receiver progress to the broadcast sender (worker 0)
    if (m.ev === 'done' && workers[0]) workers[0].send('remoteDone', { from: from.index, v: m.v });
  };
  for (let i = 0; i < n; i++) workers.push(new Worker(i, onEvent, cpus));
  return workers;
}

// ---- servers ----

// Each server serves the same contract (test/reference/server.js is the
// model) and understands SIGUSR2 as "collect your garbage now, then print
// gc done". ping: [interval, timeout] in ms, or null for the contract's
// 300 / 200 ms.
const SERVERS = {
  ours: {
    label: 'ours (rpsio)',
    cmd: (o, ping) => [o.bin, ['--mode', 'socket', '--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', ping[0] + 'ms', '--ping-timeout', ping[1] + 'ms'] : [])]],
  },
  // A second build of ours (--alt-bin), to compare two versions in one run.
  alt: {
    label: 'ours (--alt-bin build)',
    cmd: (o, ping) => [o.altBin, ['--mode', 'socket', '--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', ping[0] + 'ms', '--ping-timeout', ping[1] + 'ms'] : [])]],
  },
  ref: {
    label: 'reference (Node socket.io 4.8)',
    cmd: (o, ping) => [process.execPath, ['--expose-gc', '-r', path.join(__dirname, 'gc-preload.js'),
      path.join(REPO, 'test', 'reference', 'server.js'), '--mode', 'socket', '--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', String(ping[0]), '--ping-timeout', String(ping[1])] : [])]],
  },
  zsio: {
    label: 'zishang520/socket.io v3 (Go)',
    cmd: (o, ping) => [o.zsioBin, ['--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', ping[0] + 'ms', '--ping-timeout', ping[1] + 'ms'] : [])]],
  },
  'floor-nbio': {
    label: 'floor: nbio event loop (Go)',
    cmd: (o, ping) => [o.floorBin, ['--io', 'nbio', '--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', ping[0] + 'ms', '--ping-timeout', ping[1] + 'ms'] : [])]],
  },
  'floor-nbio-handoff': {
    label: 'floor: nbio, handlers off the poller (Go)',
    cmd: (o, ping) => [o.floorBin, ['--io', 'nbio-handoff', '--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', ping[0] + 'ms', '--ping-timeout', ping[1] + 'ms'] : [])]],
  },
  'floor-net': {
    label: 'floor: goroutine per conn (Go)',
    cmd: (o, ping) => [o.floorBin, ['--io', 'net', '--addr', '127.0.0.1:0',
      ...(ping ? ['--ping-interval', ping[0] + 'ms', '--ping-timeout', ping[1] + 'ms'] : [])]],
  },
};

async function startServer(name, o, env, onPid, { cpus = null, ping = null } = {}) {
  let [cmd, args] = SERVERS[name].cmd(o, ping);
  if (cpus) { args = ['-c', cpus, cmd, ...args]; cmd = 'taskset'; } // taskset execs the server: same pid
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(proc);
  if (proc.pid) onPid(proc.pid);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8192); });
  const srv = { name, proc, pid: proc.pid, port: 0, exited: false, stderr: () => stderr, gcDone: 0, gcWaiters: [] };
  proc.on('exit', (code, sig) => { srv.exited = true; srv.exit = sig || code; children.delete(proc); });
  let out = '';
  srv.port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name}: no "listening" line within 15 s; stderr: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m && !srv.port) { srv.port = Number(m[1]); clearTimeout(t); resolve(srv.port); }
      // "gc done" lines answer SIGUSR2 (see collect).
      let i;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i); out = out.slice(i + 1);
        if (line === 'gc done') { srv.gcDone++; for (const w of srv.gcWaiters.splice(0)) w(); }
      }
    });
    proc.on('error', (e) => { clearTimeout(t); reject(e); });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`${name} exited ${code} before listening; stderr: ${stderr}`)); });
  }).catch(async (e) => { await stopServer(srv); throw e; });
  srv.url = `ws://127.0.0.1:${srv.port}/socket.io/?EIO=4&transport=websocket`;
  return srv;
}

// A full collection in the server (Node: gc() with --expose-gc; Go:
// runtime.GC + debug.FreeOSMemory), then its RSS.
async function collect(srv) {
  const done = new Promise((r) => srv.gcWaiters.push(r));
  srv.proc.kill('SIGUSR2');
  const ok = await Promise.race([done.then(() => true), sleep(10000).then(() => false)]);
  if (!ok) throw new Error(`${srv.name}: no "gc done" within 10 s of SIGUSR2`);
  await sleep(200); // let the OS account the pages given back
  return procRss(srv.pid);
}

async function stopServer(srv) {
  if (srv.exited) return;
  const exited = new Promise((r) => srv.proc.once('exit', r));
  srv.proc.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
  srv.proc.kill('SIGKILL'); await exited;
}

// ---- helpers ----

function addCounts(...objs) {
  const out = {};
  for (const o of objs) for (const [k, v] of Object.entries(o || {})) out[k] = (out[k] || 0) + v;
  return out;
}
function split(n, k) { const a = []; for (let i = 0; i < k; i++) a.push(Math.floor(n / k) + (i < n % k ? 1 : 0)); return a; }
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
function mergeHist(parts) {
  const h = new Map();
  for (const p of parts) for (const [i, c] of p) h.set(i, (h.get(i) || 0) + c);
  return [...h.entries()].sort((a, b) => a[0] - b[0]);
}
function histPct(h, q) { // ms; bucket i covers [e^(i/100), e^((i+1)/100)) µs: report its middle
  const total = h.reduce((a, [, c]) => a + c, 0);
  if (!total) return null;
  let acc = 0;
  for (const [i, c] of h) { acc += c; if (acc >= q * total) return Math.exp((i + 0.5) / 100) / 1000; }
  return null;
}

function snapshot(srv, workers) {
  return {
    t: performance.now(), server: procCpuMs(srv.pid), serverSys: procSysMs(srv.pid), ...machineCpuMs(),
    workers: workers.map((w) => procCpuMs(w.pid)), self: process.cpuUsage(),
  };
}
function cpuBetween(a, b) {
  const wall = b.t - a.t;
  const server = b.server - a.server;
  const workers = b.workers.map((x, i) => x - a.workers[i]);
  const self = ((b.self.user - a.self.user) + (b.self.system - a.self.system)) / 1000;
  const machine = b.busy - a.busy;
  const steal = b.steal - a.steal; // time the hypervisor gave our vCPUs to someone else
  const other = Math.max(0, machine - steal - server - workers.reduce((x, y) => x + y, 0) - self);
  const pct = (ms) => 100 * ms / wall;
  return {
    wallMs: wall, serverMs: server, serverPct: pct(server), serverKernelShare: server > 0 ? (b.serverSys - a.serverSys) / server : null,
    clientPct: workers.map(pct), clientMaxPct: Math.max(...workers.map(pct)),
    machinePct: pct(machine), otherPct: pct(other), stealPct: pct(steal),
  };
}

// --syscalls: the server's system calls over the measured window, counted by
// perf stat on the syscall tracepoints of every thread of the process (no
// ptrace: the server runs at nearly full speed). perf starts with its counters
// off and is told over its control pipe to count exactly between the two CPU
// snapshots of the window, so per operation is count / operations.
const SYSCALLS = ['read', 'write', 'readv', 'writev', 'recvfrom', 'sendto', 'recvmsg', 'sendmsg', 'epoll_wait', 'epoll_pwait',
  'epoll_pwait2', 'epoll_ctl', 'futex', 'nanosleep', 'clock_nanosleep', 'sched_yield', 'tgkill', 'getpid', 'madvise', 'mmap', 'munmap',
  'rt_sigreturn', 'io_uring_enter'];
function sysStart(o, srv) {
  if (!o.syscalls) return null;
  const out = path.join(TMP, `perf-${srv.pid}-${Date.now()}.txt`);
  const ev = ['raw_syscalls:sys_enter', ...SYSCALLS.map((n) => 'syscalls:sys_enter_' + n)].join(',');
  const p = spawn('perf', ['stat', '--no-big-num', '-D', '-1', '--control', 'fd:3,4', '-o', out, '-e', ev, '-p', String(srv.pid)],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  children.add(p);
  const h = { p, out, exited: new Promise((r) => p.once('exit', r)), acks: [] };
  p.stdio[4].on('data', (d) => { for (const _ of String(d).match(/ack/g) || []) { const w = h.acks.shift(); if (w) w(); } });
  return h;
}
// Turns perf's counters on or off, and waits for perf to say it did.
async function sysCtl(h, cmd) {
  if (!h) return;
  const acked = new Promise((r) => h.acks.push(r));
  h.p.stdio[3].write(cmd + '\n');
  if (!await Promise.race([acked.then(() => true), sleep(3000).then(() => false)])) throw new Error(`perf: no ack to ${cmd}`);
}
async function sysStop(h) {
  if (!h) return null;
  h.p.kill('SIGINT');
  await Promise.race([h.exited, sleep(5000)]);
  children.delete(h.p);
  let text = '';
  try { text = fs.readFileSync(h.out, 'utf8'); fs.unlinkSync(h.out); } catch { return null; }
  const r = { total: null, seconds: null, by: {} };
  if (/<not counted>|<not supported>/.test(text)) return null;
  for (const line of text.split('\n')) {
    let m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m && m[2] === 'raw_syscalls:sys_enter') r.total = Number(m[1]);
    else if (m && m[2].startsWith('syscalls:sys_enter_')) { const n = Number(m[1]); if (n) r.by[m[2].slice(19)] = n; }
  }
  if (r.total == null) return null;
  r.other = r.total - Object.values(r.by).reduce((a, b) => a + b, 0);
  return r;
}
// System calls per operation over the measured window.
function sysPer(sys, ops) {
  if (!sys || !ops) return null;
  const per = (n) => n / ops;
  const by = {};
  for (const [k, v] of Object.entries(sys.by)) by[k] = per(v);
  return { total: per(sys.total), ...by, other: per(sys.other), count: sys.total, ops };
}

async function assertAlive(srv) { if (srv.exited) throw new Error(`${srv.name} exited (${srv.exit}); stderr: ${srv.stderr()}`); }

async function connectAll(workers, url, n, group, o, localAddresses = null) {
  const parts = split(n, workers.length);
  const res = await Promise.all(workers.map((w, i) => w.call('connect', {
    url, count: parts[i], group, concurrency: o.connectConcurrency, localAddress: localAddresses ? localAddresses[i] : undefined,
  }, 600000)));
  const errors = {};
  for (const r of res) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] || 0) + v;
  return { ok: res.reduce((a, r) => a + r.ok, 0), failed: res.reduce((a, r) => a + r.failed, 0), errors, ms: Math.max(...res.map((r) => r.ms)) };
}
async function checkCloses(workers) {
  const st = await Promise.all(workers.map((w) => w.call('status')));
  const reasons = {};
  for (const s of st) for (const [k, v] of Object.entries(s.closeReasons)) reasons[k] = (reasons[k] || 0) + v;
  return { unexpectedCloses: st.reduce((a, s) => a + s.unexpectedCloses, 0), reasons, clientLagMaxMs: Math.max(...st.map((s) => s.lag.maxMs)) };
}
async function closeAll(workers) { await Promise.all(workers.map((w) => w.call('closeAll', {}, 120000))); }

// ---- phases ----

// N idle connections: RSS as the OS sees it, and after a full collection
// in the server (both before connecting and with N connections); the
// server's CPU over an idle window.
async function phaseMem(srv, workers, o, n = o.conns, localAddresses = null) {
  const failures = [];
  await sleep(500);
  const before = await stableRss(srv, workers, o.quick ? 3 : 5);
  const beforeGc = await collect(srv);
  const conn = await connectAll(workers, srv.url, n, 'idle', o, localAddresses);
  if (conn.ok < n) failures.push(`${conn.ok}/${n} connections established ${JSON.stringify(conn.errors)}`);
  const after = await stableRss(srv, workers, o.settleMax);
  const sysH = sysStart(o, srv);
  if (sysH) await sleep(500); // perf attached
  await sysCtl(sysH, 'enable');
  const a = snapshot(srv, workers);
  await sleep(o.idleWindow * 1000);
  const b = snapshot(srv, workers);
  await sysCtl(sysH, 'disable');
  const idle = cpuBetween(a, b);
  const sys = await sysStop(sysH);
  const afterGc = await collect(srv);
  const gc = lastGcTrace(srv.stderr());
  // Dropped before the RSS was read means the RSS is not that of N connections.
  const closes = await checkCloses(workers);
  if (closes.unexpectedCloses) failures.push(`${closes.unexpectedCloses} connections dropped ${JSON.stringify(closes.reasons)}`);
  await assertAlive(srv);
  await closeAll(workers);
  const k = conn.ok || 1;
  return {
    ok: failures.length === 0, failures, dropped: closes.unexpectedCloses, conns: conn.ok, connectMs: conn.ms,
    rssBefore: before.rss, rssAfter: after.rss, rssBeforeGc: beforeGc, rssAfterGc: afterGc, stable: after.stable, settleMs: after.ms,
    bytesPerConn: conn.ok ? (after.rss - before.rss) / k : null,
    bytesPerConnGc: conn.ok ? (afterGc - beforeGc) / k : null,
    idleServerPct: idle.serverPct, idleServerKernelShare: idle.serverKernelShare, idleServerPctPer1k: idle.serverPct * 1000 / k, idleClientMaxPct: idle.clientMaxPct,
    clientLagMaxMs: closes.clientLagMaxMs, stealPct: idle.stealPct, otherPct: idle.otherPct,
    // per ping round trip: every connection gets a ping per interval
    ...(sys ? { sysPerPing: sysPer(sys, (conn.ok || 1) * idle.wallMs / (o.scale ? o.scalePingInterval : 300)), sysPerSec: sys.total * 1000 / idle.wallMs } : {}),
    ...(gc ? { goLiveHeapMB: gc.liveMB, goHeapGoalMB: gc.goalMB, goStacksMB: gc.stacksMB, goLiveHeapPerConn: gc.liveMB * 1048576 / k } : {}),
  };
}

// Last `gc N @...: ..., A->B->C MB, G MB goal, S MB stacks, ...` line of a
// GODEBUG=gctrace=1 Go process: C is the heap marked live by that GC.
function lastGcTrace(stderr) {
  const lines = stderr.split('\n').filter((l) => /^gc \d+ @/.test(l));
  const m = lines.length && /(\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (\d+) MB stacks/.exec(lines[lines.length - 1]);
  return m ? { liveMB: Number(m[3]), goalMB: Number(m[4]), stacksMB: Number(m[5]) } : null;
}

// RSS read every second until two reads in a row differ by under 1 %.
async function stableRss(srv, workers, maxS) {
  const t0 = performance.now();
  let prev = procRss(srv.pid);
  for (let i = 0; i < Math.max(1, Math.ceil(maxS)); i++) {
    await sleep(1000);
    await assertAlive(srv);
    const cur = procRss(srv.pid);
    if (Math.abs(cur - prev) <= 0.01 * prev) return { rss: cur, stable: true, ms: performance.now() - t0 };
    prev = cur;
    if (i === Math.ceil(maxS) - 1) return { rss: cur, stable: false, ms: performance.now() - t0 };
  }
  return null; // not reached
}

async function phaseAck(srv, workers, o, mode) {
  const failures = [];
  const want = mode === 'B' ? o.pinAckConns : o.ackConns;
  const conn = await connectAll(workers, srv.url, want, 'ack', o);
  if (conn.ok < want) failures.push(`${conn.ok}/${want} connections established ${JSON.stringify(conn.errors)}`);
  await Promise.all(workers.map((w) => w.call('ackStart')));
  const sysH = sysStart(o, srv);
  await sleep(o.warmup * 1000);
  await Promise.all(workers.map((w) => w.call('ackMark')));
  await sysCtl(sysH, 'enable');
  const a = snapshot(srv, workers);
  await sleep(o.duration * 1000);
  const st = await Promise.all(workers.map((w) => w.call('ackStop')));
  const b = snapshot(srv, workers);
  await sysCtl(sysH, 'disable');
  const sys = await sysStop(sysH);
  const cpu = cpuBetween(a, b);
  const closes = await checkCloses(workers);
  if (closes.unexpectedCloses) failures.push(`${closes.unexpectedCloses} connections dropped ${JSON.stringify(closes.reasons)}`);
  await assertAlive(srv);
  await closeAll(workers);
  const acks = st.reduce((x, s) => x + s.acks, 0);
  const bad = st.reduce((x, s) => x + s.bad, 0);
  const rate = st.reduce((x, s) => x + (s.ms > 0 ? s.acks * 1000 / s.ms : 0), 0);
  if (acks === 0) failures.push('no acks');
  if (bad) failures.push(`${bad} acks with unexpected contents`);
  const h = mergeHist(st.map((s) => s.hist));
  return {
    ok: failures.length === 0, failures, dropped: closes.unexpectedCloses, conns: conn.ok, acks, acksPerSec: rate,
    p50Ms: histPct(h, 0.5), p99Ms: histPct(h, 0.99), clientLagMaxMs: Math.max(...st.map((x) => x.lag.maxMs)),
    ...(sys ? { sysPerAck: sysPer(sys, acks) } : {}),
    serverCpuPct: cpu.serverPct, serverCpuMsPer1kAcks: acks ? cpu.serverMs / (acks / 1000) : null, serverKernelShare: cpu.serverKernelShare,
    clientCpuPct: cpu.clientPct, clientMaxPct: cpu.clientMaxPct, machinePct: cpu.machinePct, otherPct: cpu.otherPct, stealPct: cpu.stealPct,
  };
}

async function phaseBcast(srv, workers, o) {
  const failures = [];
  const conn = await connectAll(workers, srv.url, o.room, 'recv', o);
  const snd = await workers[0].call('connect', { url: srv.url, count: 1, group: 'send' });
  if (conn.ok < o.room || snd.ok < 1) {
    failures.push(`${conn.ok}/${o.room} receivers and ${snd.ok}/1 sender connected ${JSON.stringify(addCounts(conn.errors, snd.errors))}`);
    return { ok: false, failures, receivers: 0, delivered: 0, deliveredPerSec: 0 };
  }
  const joined = await Promise.all(workers.map((w) => w.call('join', { room: 'bench' })));
  const nJoined = joined.reduce((x, j) => x + j.joined, 0);
  if (nJoined < conn.ok) failures.push(`${nJoined}/${conn.ok} joins acked`);
  const others = workers.slice(1).map((w) => w.index);
  // Receivers' workers first: the sender starts sending as soon as its worker has started, and a
  // tick must not reach a worker that is not counting yet.
  await Promise.all(workers.slice(1).map((w) => w.call('bcastStart', { window: o.window, sender: false, remotes: [] })));
  await workers[0].call('bcastStart', { window: o.window, sender: true, remotes: others });
  const sysH = sysStart(o, srv);
  await sleep(o.warmup * 1000);
  await Promise.all(workers.map((w) => w.call('bcastMark')));
  await sysCtl(sysH, 'enable');
  const a = snapshot(srv, workers);
  await sleep(o.duration * 1000);
  const st = await Promise.all(workers.map((w) => w.call('bcastStop')));
  const b = snapshot(srv, workers);
  await sysCtl(sysH, 'disable');
  const sys = await sysStop(sysH);
  const cpu = cpuBetween(a, b);
  const closes = await checkCloses(workers);
  if (closes.unexpectedCloses) failures.push(`${closes.unexpectedCloses} connections dropped ${JSON.stringify(closes.reasons)}`);
  await assertAlive(srv);
  await closeAll(workers);
  const delivered = st.reduce((x, s) => x + s.delivered, 0);
  const gaps = st.reduce((x, s) => x + s.gaps, 0);
  const rate = st.reduce((x, s) => x + (s.ms > 0 ? s.delivered * 1000 / s.ms : 0), 0);
  const sent = st[0].sent;
  if (delivered === 0) failures.push('nothing delivered');
  if (gaps) failures.push(`${gaps} broadcasts missing or out of order at the receivers`);
  return {
    ok: failures.length === 0, failures, dropped: closes.unexpectedCloses, receivers: nJoined, delivered, deliveredPerSec: rate,
    broadcastsPerSec: st[0].ms > 0 ? sent * 1000 / st[0].ms : 0, clientLagMaxMs: Math.max(...st.map((x) => x.lag.maxMs)),
    ...(sys ? { sysPerDelivery: sysPer(sys, delivered) } : {}),
    serverCpuPct: cpu.serverPct, serverCpuMsPer1kMsgs: delivered ? cpu.serverMs / (delivered / 1000) : null, serverKernelShare: cpu.serverKernelShare,
    clientCpuPct: cpu.clientPct, clientMaxPct: cpu.clientMaxPct, machinePct: cpu.machinePct, otherPct: cpu.otherPct, stealPct: cpu.stealPct,
  };
}

const PHASES = { mem: (srv, workers, o) => phaseMem(srv, workers, o), ack: phaseAck, bcast: phaseBcast };

// ---- report ----

const fmtInt = (x) => (x == null ? '-' : Math.round(x).toLocaleString('en-US'));
const fmt1 = (x) => (x == null ? '-' : x.toFixed(1));
const fmt2 = (x) => (x == null ? '-' : x.toFixed(2));
const fmt3 = (x) => (x == null ? '-' : x.toFixed(3));
const fmtPct = (x) => (x == null ? '-' : (100 * x).toFixed(0) + ' %');
const fmtMiB = (x) => (x == null ? '-' : (x / 1048576).toFixed(1));

const ROWS = [
  ['mem', 'bytesPerConnGc', 'memory per idle connection, after a full collection (bytes)', fmtInt, 'lower'],
  ['mem', 'bytesPerConn', 'memory per idle connection, not collected (bytes)', fmtInt, 'lower'],
  ['mem', 'rssAfterGc', 'RSS with N connections, collected (MiB)', fmtMiB, 'lower'],
  ['mem', 'rssAfter', 'RSS with N connections, not collected (MiB)', fmtMiB, 'lower'],
  ['mem', 'rssBefore', 'RSS before connecting (MiB)', fmtMiB, 'lower'],
  ['mem', 'connectMs', 'time to connect N (ms)', fmtInt, 'lower'],
  ['mem', 'idleServerPct', 'server CPU with N idle conns, 300 ms pings (% of a core)', fmt1, 'lower'],
  ['mem', 'idleServerKernelShare', 'of which in the kernel (stime share)', fmtPct, ''],
  ['mem', 'clientLagMaxMs', 'client worst event-loop delay while connected (ms)', fmtInt, ''],
  ['ack', 'acksPerSec', 'acks/s', fmtInt, 'higher'],
  ['ack', 'p50Ms', 'ack latency p50 (ms)', fmt2, 'lower'],
  ['ack', 'p99Ms', 'ack latency p99 (ms)', fmt2, 'lower'],
  ['ack', 'serverCpuPct', 'server CPU during acks (% of a core)', fmt1, ''],
  ['ack', 'serverCpuMsPer1kAcks', 'server CPU per 1k acks (ms)', fmt2, 'lower'],
  ['ack', 'serverKernelShare', 'of which in the kernel (stime share)', fmtPct, ''],
  ['ack', 'clientMaxPct', 'busiest client worker CPU during acks (% of a core)', fmt1, ''],
  ['ack', 'clientLagMaxMs', 'client worst event-loop delay during acks (ms)', fmtInt, ''],
  ['ack', 'otherPct', 'other processes\' CPU during acks (% of a core)', fmt1, ''],
  ['ack', 'stealPct', 'CPU stolen by the hypervisor during acks (% of a core)', fmt1, ''],
  ['bcast', 'deliveredPerSec', 'broadcast messages delivered/s', fmtInt, 'higher'],
  ['bcast', 'broadcastsPerSec', 'to-room emits/s', fmtInt, 'higher'],
  ['bcast', 'serverCpuPct', 'server CPU during broadcast (% of a core)', fmt1, ''],
  ['bcast', 'serverCpuMsPer1kMsgs', 'server CPU per 1k delivered messages (ms)', fmt2, 'lower'],
  ['bcast', 'serverKernelShare', 'of which in the kernel (stime share)', fmtPct, ''],
  ['bcast', 'clientMaxPct', 'busiest client worker CPU during broadcast (% of a core)', fmt1, ''],
  ['bcast', 'clientLagMaxMs', 'client worst event-loop delay during broadcast (ms)', fmtInt, ''],
  ['bcast', 'otherPct', 'other processes\' CPU during broadcast (% of a core)', fmt1, ''],
  ['bcast', 'stealPct', 'CPU stolen by the hypervisor during broadcast (% of a core)', fmt1, ''],
];

function summarize(results, servers) {
  const s = {};
  for (const [phase, key] of ROWS) {
    if (!results[phase]) continue;
    s[phase] = s[phase] || {};
    const row = {};
    for (const name of servers) {
      const runs = results[phase].filter((r) => r.server === name);
      const vals = runs.map((r) => (r.result && r.result.ok ? r.result[key] : null)); // failed runs left out
      row[name] = { median: median(vals), values: vals, okRuns: runs.filter((r) => r.result && r.result.ok).length, runs: runs.length };
    }
    for (const name of servers) {
      if (name === 'ref' || !row.ref) continue;
      if (row[name].median != null && row.ref.median) row['ratio_' + name] = row[name].median / row.ref.median;
      // Ratio within each repetition (the servers ran back to back).
      row['paired_' + name] = row[name].values.map((v, i) => (v != null && row.ref.values[i] ? v / row.ref.values[i] : null));
    }
    s[phase][key] = row;
  }
  // How often a run failed and how many connections the servers dropped
  // (their 200 ms ping timeout), over every attempt including failed ones.
  s.robustness = {};
  for (const phase of Object.keys(results)) {
    s.robustness[phase] = {};
    for (const name of servers) {
      const runs = results[phase].filter((r) => r.server === name);
      const attempts = runs.flatMap((r) => [...r.failedAttempts, r]);
      s.robustness[phase][name] = {
        okRuns: runs.filter((r) => r.result && r.result.ok).length, attempts: attempts.length,
        dropped: attempts.reduce((x, a) => x + ((a.result && a.result.dropped) || 0), 0),
      };
    }
  }
  return s;
}

const ratioCols = (servers) => servers.filter((n) => n !== 'ref' && servers.includes('ref'));

function markdown(summary, servers, o, mode) {
  const lines = [];
  const n = o.conns;
  const head = ['metric', ...servers.map((x) => SERVERS[x].label), ...ratioCols(servers).map((x) => `${x}/ref`)];
  lines.push('| ' + head.join(' | ') + ' |', '|' + head.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|') + '|');
  for (const [phase, key, label, f, better] of ROWS) {
    if (!summary[phase] || !summary[phase][key]) continue;
    const row = summary[phase][key];
    let l = label.replace('N=', '').replace(/\bN\b/, 'N=' + n);
    if (phase === 'ack' && key === 'acksPerSec') l += ` (C=${mode === 'B' ? o.pinAckConns : o.ackConns})`;
    const cells = [l,
      ...servers.map((x) => f(row[x].median) + (row[x].okRuns < row[x].runs ? ` (${row[x].okRuns}/${row[x].runs} runs)` : '')),
      ...ratioCols(servers).map((x) => (row['ratio_' + x] == null ? '-' : row['ratio_' + x].toFixed(2) + (better === 'higher' ? ' (higher is better)' : '')))];
    lines.push('| ' + cells.join(' | ') + ' |');
  }
  lines.push('', '| phase | ' + servers.map((x) => `${x}: runs ok / attempts | ${x}: connections dropped by the server`).join(' | ') + ' |',
    '| --- |' + servers.map(() => ' ---: | ---: |').join(''));
  for (const phase of o.phases) {
    const cells = servers.map((x) => { const r = summary.robustness[phase][x]; return `${r.okRuns} / ${r.attempts} | ${r.dropped}`; });
    lines.push(`| ${phase} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

// The issue's table: each target's ratio ours/ref in every mode, and
// whether it is met; zsio/ref beside it for comparison.
function targetsTable(summaries, servers, o) {
  const modes = Object.keys(summaries);
  const others = ratioCols(servers);
  const head = ['metric (ratio to the Node reference, same run)', ...modes.flatMap((m) => others.map((x) => `${m}: ${x}/ref`)), 'target (ours/ref)', 'met'];
  const lines = ['| ' + head.join(' | ') + ' |', '|' + head.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|') + '|'];
  for (const [phase, key, label, target] of TARGETS) {
    if (!o.phases.includes(phase)) continue;
    const cells = [label.replace(/\bN\b/, String(o.conns))];
    let met = true, known = false;
    for (const m of modes) {
      const row = summaries[m][phase] && summaries[m][phase][key];
      for (const x of others) {
        const r = row ? row['ratio_' + x] : null;
        cells.push(r == null ? '-' : fmt2(r));
        if (x === 'ours' && r != null) { known = true; if (r > target) met = false; }
        if (x === 'ours' && r == null) met = false;
      }
    }
    cells.push('≤ ' + target.toFixed(2), servers.includes('ours') && servers.includes('ref') && known ? (met ? 'yes' : 'NO') : '-');
    lines.push('| ' + cells.join(' | ') + ' |');
  }
  return lines.join('\n');
}

function perRep(results, servers, o) {
  const lines = [`Per repetition (${o.reps}; ${servers.join(' / ')}; * = one failed attempt before, FAIL = left out of the medians):`];
  const show = [['mem', 'bytesPerConnGc', 'bytes/conn collected', fmtInt], ['mem', 'idleServerPct', 'idle CPU %', fmt1],
    ['ack', 'serverCpuMsPer1kAcks', 'CPU ms/1k acks', fmt2], ['ack', 'p99Ms', 'ack p99 ms', fmt2],
    ['bcast', 'serverCpuMsPer1kMsgs', 'CPU ms/1k deliveries', fmt2]];
  for (const [phase, key, label, f] of show) {
    if (!results[phase]) continue;
    const parts = servers.map((n) => n + ' ' + results[phase].filter((r) => r.server === n)
      .map((r) => (!r.result ? 'ERROR' : r.result.ok ? f(r.result[key]) : `FAIL(${f(r.result[key])})`) + '*'.repeat(r.failedAttempts.length)).join(', '));
    lines.push(`  ${label}: ${parts.join(' | ')}`);
  }
  return lines.join('\n');
}

// --syscalls: the server's system calls per operation (medians over the
// passing repetitions), by kind.
function sysTable(runs, servers) {
  const kinds = [['read', ['read', 'readv', 'recvfrom', 'recvmsg']], ['write', ['write', 'writev', 'sendto', 'sendmsg']],
    ['epoll', ['epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'epoll_ctl']], ['futex', ['futex']],
    ['sleep/yield/signal', ['nanosleep', 'clock_nanosleep', 'sched_yield', 'tgkill', 'getpid', 'rt_sigreturn']]];
  const head = ['phase: per', 'server', 'all', ...kinds.map((k) => k[0]), 'other'];
  const lines = ['| ' + head.join(' | ') + ' |', '|' + head.map((_, i) => (i > 1 ? ' ---: ' : ' --- ')).join('|') + '|'];
  for (const [phase, key, per] of [['ack', 'sysPerAck', 'acked round trip'], ['bcast', 'sysPerDelivery', 'broadcast delivery'], ['mem', 'sysPerPing', 'ping round trip (idle)']]) {
    if (!runs[phase]) continue;
    for (const n of servers) {
      const vals = runs[phase].filter((r) => r.server === n && r.result && r.result.ok && r.result[key]).map((r) => r.result[key]);
      if (!vals.length) continue;
      const med = (f) => median(vals.map(f));
      const cells = [`${phase}: ${per}`, n, fmt2(med((v) => v.total)),
        ...kinds.map(([, names]) => fmt2(med((v) => names.reduce((a, k) => a + (v[k] || 0), 0)))), fmt2(med((v) => v.other + ['madvise', 'mmap', 'munmap', 'io_uring_enter'].reduce((a, k) => a + (v[k] || 0), 0)))];
      lines.push('| ' + cells.join(' | ') + ' |');
    }
  }
  return lines.join('\n');
}

function machineInfo() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/model name\s*:\s*(.*)/.exec(cpuinfo) || [])[1] || 'unknown';
  let goVersion = null;
  try { goVersion = execFileSync('go', ['version']).toString().trim(); } catch { /* no go */ }
  let fdLimit = null;
  try { fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()); } catch { /* unknown */ }
  return {
    nproc: os.cpus().length, cpuModel: model, memTotalGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(), node: process.version, go: goVersion, fdLimit, loadavgAtStart: os.loadavg(), cpuPressureAtStart: cpuPressure(),
  };
}
function machineLine(machine) {
  return `${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memTotalGiB} GiB, Linux ${machine.kernel}, ${machine.node}, ${machine.go}, ulimit -n ${machine.fdLimit}; ` +
    `load avg ${machine.loadavgAtStart.map((x) => x.toFixed(1)).join(' ')} at start, ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at end; ` +
    `CPU pressure (PSI some avg10) ${machine.cpuPressureAtStart}% at start`;
}

// ---- main ----

function build(o, servers) {
  if (servers.includes('alt') && !(o.altBin && fs.existsSync(o.altBin))) throw new Error('server alt needs --alt-bin PATH (an existing binary)');
  if (!o.build) {
    for (const [n, bin] of [['ours', o.bin], ['zsio', o.zsioBin], ['floor-nbio', o.floorBin], ['floor-nbio-handoff', o.floorBin], ['floor-net', o.floorBin]]) {
      if (servers.includes(n) && !fs.existsSync(bin)) throw new Error(`${bin} missing (build it, or drop --bin/--no-build to let this script build it)`);
    }
  } else {
    if (servers.includes('ours')) {
      process.stderr.write(`building ${o.bin} ... `);
      execFileSync('go', ['build', '-o', o.bin, './socketio/conformance'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
      process.stderr.write('ok\n');
    }
    if (servers.includes('zsio')) {
      process.stderr.write(`building ${o.zsioBin} (bench/zsio) ... `);
      execFileSync('go', ['build', '-o', o.zsioBin, '.'], { cwd: path.join(REPO, 'bench', 'zsio'), stdio: ['ignore', 'inherit', 'inherit'] });
      process.stderr.write('ok\n');
    }
    if (servers.some((n) => n.startsWith('floor-'))) {
      process.stderr.write(`building ${o.floorBin} (bench/floor) ... `);
      execFileSync('go', ['build', '-o', o.floorBin, '.'], { cwd: path.join(REPO, 'bench', 'floor'), stdio: ['ignore', 'inherit', 'inherit'] });
      process.stderr.write('ok\n');
    }
  }
  if (servers.includes('ref') && !fs.existsSync(path.join(REPO, 'test', 'reference', 'node_modules', 'socket.io'))) {
    process.stderr.write('installing test/reference node_modules ...\n');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: path.join(REPO, 'test', 'reference'), stdio: ['ignore', 'inherit', 'inherit'] });
  }
}

async function runMode(mode, o, servers, t0) {
  const spec = MODES[mode];
  const nc = os.cpus().length;
  if (spec.pin && nc < 2) throw new Error('mode B needs 2 CPUs');
  const serverCpus = spec.pin ? '0' : null;
  const clientCpus = spec.pin ? '1' : null;
  if (spec.pin) pin(process.pid, '1'); // this process too stays off the server's core
  const workers = startWorkers(spec.workers, clientCpus);
  const results = {};
  let failed = false;
  try {
    for (const phase of o.phases) {
      results[phase] = [];
      for (let rep = 0; rep < o.reps; rep++) {
        // Rotate the order so that no server always runs first.
        const order = servers.map((_, i) => servers[(i + rep) % servers.length]);
        for (const name of order) {
          // A run that fails is tried again (at most --retries times): on a
          // shared machine a stall of the VM now and then outlasts the 200 ms
          // ping timeout and drops connections. Every attempt is kept.
          const attempts = [];
          for (let attempt = 0; attempt <= o.retries; attempt++) {
            process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] mode ${mode} ${phase} rep ${rep + 1}/${o.reps} ${name}${attempt ? ` (retry ${attempt})` : ''} ... `);
            let waitedMs = 0;
            if (o.calm != null && cpuPressure() != null) {
              const w0 = performance.now();
              while (cpuPressure() > o.calm && performance.now() - w0 < 30000) await sleep(1000);
              waitedMs = Math.round(performance.now() - w0);
            }
            const conditions = { loadavg1: os.loadavg()[0], cpuPressureAvg10: cpuPressure(), waitedForCalmMs: waitedMs };
            // For ours in the memory phase, the Go runtime's GC trace (one
            // stderr line per GC) tells the live heap apart from GC headroom.
            const env = name === 'ours' || name === 'alt' ? { ...o.oursEnv } : {};
            if (phase === 'mem' && (name === 'ours' || name === 'alt')) env.GODEBUG = [env.GODEBUG, 'gctrace=1'].filter(Boolean).join(',');
            let srv = null, result = null, error = null;
            try {
              srv = await startServer(name, o, env, (pid) => { for (const w of workers) w.send('watch', { pid }); }, { cpus: serverCpus });
              result = await PHASES[phase](srv, workers, o, mode);
            } catch (e) { error = String(e && e.message || e); }
            try { await closeAll(workers); } catch (e) { error = error || String(e.message); }
            if (srv) await stopServer(srv);
            for (const w of workers) w.send('unwatch', { pid: srv ? srv.pid : 0 });
            attempts.push({ conditions, result, error });
            process.stderr.write(error ? `ERROR ${error}\n` : result.ok ? 'ok\n' : `FAIL ${result.failures.join('; ')}\n`);
            if (!error && result.ok) break;
          }
          const last = attempts[attempts.length - 1];
          if (last.error || !last.result.ok) failed = true;
          results[phase].push({ server: name, rep: rep + 1, ...last, failedAttempts: attempts.slice(0, -1) });
        }
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    if (spec.pin) pin(process.pid, ALL_CPUS);
  }
  return { results, failed };
}

// The scale run: for each server, as many idle WebSocket connections as
// the fd limit allows, from several client processes each on its own
// source address (127.0.0.2, .3, ...), production ping settings.
async function runScale(o, servers, t0) {
  const addrs = Array.from({ length: o.scaleWorkers }, (_, i) => `127.0.0.${i + 2}`);
  const workers = startWorkers(o.scaleWorkers, null);
  const results = {};
  let failed = false;
  try {
    for (const name of servers) {
      process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] scale ${o.scaleConns} ${name} ... `);
      let srv = null, result = null, error = null;
      try {
        srv = await startServer(name, o, name === 'ours' ? { ...o.oursEnv } : {}, (pid) => { for (const w of workers) w.send('watch', { pid }); },
          { ping: [o.scalePingInterval, o.scalePingTimeout] });
        result = await phaseMem(srv, workers, { ...o, idleWindow: Math.max(o.idleWindow, 10) }, o.scaleConns, addrs);
      } catch (e) { error = String(e && e.message || e); }
      try { await closeAll(workers); } catch (e) { error = error || String(e.message); }
      if (srv) await stopServer(srv);
      for (const w of workers) w.send('unwatch', { pid: srv ? srv.pid : 0 });
      process.stderr.write(error ? `ERROR ${error}\n` : result.ok ? 'ok\n' : `FAIL ${result.failures.join('; ')}\n`);
      if (error || !result.ok) failed = true;
      results[name] = { error, result };
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  return { results, failed };
}

function scaleTable(res, servers, o) {
  const head = ['metric', ...servers.map((n) => SERVERS[n].label), ...ratioCols(servers).map((x) => `${x}/ref`)];
  const lines = ['| ' + head.join(' | ') + ' |', '|' + head.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|') + '|'];
  const rows = [
    ['conns', 'idle WebSocket connections held', fmtInt],
    ['connectMs', 'time to connect them (ms)', fmtInt],
    ['bytesPerConnGc', 'memory per connection, after a full collection (bytes)', fmtInt],
    ['bytesPerConn', 'memory per connection, not collected (bytes)', fmtInt],
    ['rssAfterGc', 'RSS, collected (MiB)', fmtMiB],
    ['rssAfter', 'RSS, not collected (MiB)', fmtMiB],
    ['idleServerPct', `server CPU holding them, ${o.scalePingInterval / 1000} s pings (% of a core)`, fmt1],
    ['idleServerPctPer1k', 'server CPU per 1,000 connections (% of a core)', fmt3],
  ];
  for (const [key, label, f] of rows) {
    const v = (n) => (res[n] && res[n].result && res[n].result.ok ? res[n].result[key] : null);
    const cells = [label, ...servers.map((n) => f(v(n)) + (res[n] && res[n].result && !res[n].result.ok ? ' (FAILED)' : res[n] && res[n].error ? ' (ERROR)' : '')),
      ...ratioCols(servers).map((x) => (v(x) != null && v('ref') ? fmt2(v(x) / v('ref')) : '-'))];
    lines.push('| ' + cells.join(' | ') + ' |');
  }
  return lines.join('\n');
}

async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); process.exit(2); }
  if (o.help) { console.log(HELP); return; }
  fs.mkdirSync(TMP, { recursive: true });
  const servers = o.servers;
  build(o, servers);
  const machine = machineInfo();
  const t0 = performance.now();
  const out = { date: new Date().toISOString(), machine, options: o };
  let failed = false;

  if (o.scale) {
    const { results, failed: f } = await runScale(o, servers, t0);
    failed = f;
    out.scale = results;
    console.log(`\nScale run. ${machineLine(machine)}`);
    console.log(`${o.scaleConns} idle WebSocket connections from ${o.scaleWorkers} client processes (source addresses 127.0.0.2-${o.scaleWorkers + 1}), pings every ${o.scalePingInterval} ms, CPU over ${Math.max(o.idleWindow, 10)} s\n`);
    console.log(scaleTable(results, servers, o));
  } else {
    out.modes = {};
    const summaries = {};
    for (const mode of o.modes) {
      const { results, failed: f } = await runMode(mode, o, servers, t0);
      failed = failed || f;
      summaries[mode] = summarize(results, servers);
      out.modes[mode] = { summary: summaries[mode], runs: results };
    }
    console.log(`\n${machineLine(machine)}`);
    console.log(`N=${o.conns} idle, C=${o.ackConns} (A) / ${o.pinAckConns} (B) ack conns, R=${o.room} receivers, ${o.duration} s measured after ${o.warmup} s warm-up, idle CPU over ${o.idleWindow} s, medians of ${o.reps}`);
    if (servers.includes('ref') && servers.length > 1) console.log(`\nTargets of issue 11 (ours/ref; zsio/ref for comparison):\n\n${targetsTable(summaries, servers, o)}`);
    for (const mode of o.modes) {
      console.log(`\nMode ${MODES[mode].label}:\n`);
      console.log(markdown(summaries[mode], servers, o, mode));
      console.log('\n' + perRep(out.modes[mode].runs, servers, o));
      if (o.syscalls) console.log(`\nServer system calls per operation (perf stat on the syscall tracepoints; CPU figures of this run carry that overhead):\n\n${sysTable(out.modes[mode].runs, servers)}`);
      const sat = [];
      for (const phase of ['ack', 'bcast']) for (const r of out.modes[mode].runs[phase] || []) if (r.result && r.result.clientMaxPct >= 90) sat.push(`${phase}/${r.server}/rep${r.rep} (${r.result.clientMaxPct.toFixed(0)}%)`);
      if (sat.length) console.log(`\nNOTE: a client worker was at >= 90 % of a core in: ${sat.join(', ')}; throughput there is the client's limit (CPU per operation still holds).`);
    }
  }
  out.wallSeconds = (performance.now() - t0) / 1000;
  out.loadavgAtEnd = os.loadavg();
  out.ok = !failed;
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nresults: ${o.out} (${out.wallSeconds.toFixed(0)} s)`);
  if (failed) { console.log('FAILED: at least one run failed (see above)'); process.exitCode = 1; }
}

if (process.argv[2] === '--worker') workerMain();
else main().catch((err) => { console.error(err && err.stack || err); cleanupSync(); process.exit(2); });
