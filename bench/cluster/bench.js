#!/usr/bin/env node
// Cross-node broadcast benchmark (issue 7): two nodes A and B on one redis-server, one sender
// client on A, one receiver client on B, a fixed send rate; measured for
//   - rpsio ↔ rpsio: socketio/conformance --redis-url (rpsio's adapter/redis), and
//   - Node ↔ Node:   test/reference/server.js with @socket.io/redis-adapter (REDIS_URL),
// in the same run and setup, alternating.
//
//   node bench.js                        rates 10000,40000; 3 repetitions each; ~2 min
//   node bench.js --rates 10000,40000,80000 --reps 5
//   node bench.js --quick                one short repetition at 10000/s (smoke test)
//   node bench.js --help                 all options
//
// What one message is: the sender (a raw WebSocket client on A, not in the room) emits
//   42["to-room","bench","t",<seq>,<µs>]
// (the contract's `to-room`: node A runs nsp.to("bench").emit("t", seq, µs)); the room "bench"
// has one member, the receiver on B, so every message crosses A → Redis → B → receiver. <µs> is
// process.hrtime (CLOCK_MONOTONIC, shared by every process of the machine) when the sender wrote
// the frame; the receiver takes the difference on receipt. Latency is therefore
// sender → A → Redis → B → receiver, i.e. the cross-node path plus one loopback hop on each end,
// the same for both servers.
//
// Measured per run (fresh Redis, fresh nodes): after a warm-up, a window of --duration seconds:
//   deliveries/s     messages the receiver got during the window / window length
//   latency p50/p99  of the messages sent during the window (each is waited for after the
//                    window, up to --drain seconds; any still missing count as lost)
//   CPU/message      (utime+stime of A + B over the window, /proc/<pid>/stat) / deliveries
// Only 127.0.0.1 is contacted; every process started is ended on exit.
'use strict';

const { fork, execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------
// Workers: the sender and the receiver, raw Engine.IO 4 / Socket.IO 5 over ws.
// ---------------------------------------------------------------------------

function nowUs() { return Number(process.hrtime.bigint() / 1000n); }

function connect(url) {
  const WebSocket = require('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let state = 0;
    const timer = setTimeout(() => reject(new Error('handshake timeout')), 10000);
    ws.on('error', (err) => { clearTimeout(timer); reject(err); });
    ws.on('message', (data) => {
      const s = data.toString();
      if (state === 2) return; // connected: the caller's handler takes over (pings included)
      if (s === '2') { ws.send('3'); return; } // Engine.IO ping
      if (state === 0 && s[0] === '0') { state = 1; ws.send('40'); return; }
      if (state === 1 && s.startsWith('40')) { state = 2; clearTimeout(timer); resolve(ws); return; }
      if (state === 1 && s.startsWith('44')) { clearTimeout(timer); reject(new Error('connect error ' + s)); }
    });
  });
}

function workerMain(role) {
  let ws = null;
  let closedUnexpectedly = null;
  const send = (m) => process.send(m);

  // receiver state
  const T_PREFIX = '42["t",';
  let lastSeq = 0, outOfOrder = 0, probeSeen = false;
  let win = null; // {fromUs, toUs}
  let inWindow = 0; // received during the window
  let lat = null, latN = 0; // latencies (µs) of messages sent during the window
  let sentInWindowSeen = 0;

  function onReceiverMessage(data) {
    const s = data.toString();
    if (s === '2') { ws.send('3'); return; }
    if (!s.startsWith(T_PREFIX)) return;
    const now = nowUs();
    // 42["t",<seq>,<µs>]
    const comma = s.indexOf(',', T_PREFIX.length);
    const seq = Number(s.slice(T_PREFIX.length, comma));
    const ts = Number(s.slice(comma + 1, s.length - 1));
    if (seq < 0) { probeSeen = true; return; }
    if (seq <= lastSeq) outOfOrder++;
    lastSeq = seq;
    if (!win) return;
    if (now >= win.fromUs && now < win.toUs) inWindow++;
    if (ts >= win.fromUs && ts < win.toUs) {
      sentInWindowSeen++;
      if (latN < lat.length) lat[latN++] = now - ts;
    }
  }

  // sender state
  let seq = 0;
  function runSender({ rate, startUs, stopUs }) {
    const sock = ws._socket;
    let sent = 0, sentInWindow = 0, maxBehind = 0;
    const tick = () => {
      const now = nowUs();
      if (now >= stopUs) {
        clearInterval(timer);
        send({ type: 'sent', sent, sentInWindow, maxBehindMs: maxBehind / 1000, buffered: ws.bufferedAmount, closed: closedUnexpectedly });
        return;
      }
      const due = Math.floor(((now - startUs) * rate) / 1e6);
      if (due <= sent) return;
      // How far behind its schedule the sender itself was (it must not be the bottleneck).
      const behind = now - (startUs + (sent * 1e6) / rate);
      if (behind > maxBehind) maxBehind = behind;
      sock.cork(); // one write for the batch; the same bytes for both servers
      for (; sent < due; sent++) {
        const t = nowUs();
        ws.send('42["to-room","bench","t",' + (++seq) + ',' + t + ']');
        if (t >= win.fromUs && t < win.toUs) sentInWindow++;
      }
      sock.uncork();
    };
    const timer = setInterval(tick, 1);
  }

  process.on('message', async (m) => {
    try {
      if (m.cmd === 'connect') {
        ws = await connect(m.url);
        ws.on('close', (code) => { closedUnexpectedly = code; });
        if (role === 'sender') ws.on('message', (d) => { if (d.toString() === '2') ws.send('3'); });
        if (role === 'receiver') {
          ws.on('message', onReceiverMessage);
          // join "bench" with an ack: 42<id>["join","bench"] → 43<id>[]
          await new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('join not acked')), 10000);
            const onMsg = (d) => { if (d.toString() === '431[]') { clearTimeout(t); ws.off('message', onMsg); resolve(); } };
            ws.on('message', onMsg);
            ws.send('421["join","bench"]');
          });
        }
        send({ type: 'connected' });
      } else if (m.cmd === 'probe') {
        // Until the receiver reports a probe, keep sending them (the room may not be subscribed yet).
        ws.send('42["to-room","bench","t",-1,0]');
      } else if (m.cmd === 'probed?') {
        send({ type: 'probed', seen: probeSeen });
      } else if (m.cmd === 'window') {
        win = { fromUs: m.fromUs, toUs: m.toUs };
        if (role === 'receiver') { lat = new Float64Array(m.capacity); latN = 0; }
        send({ type: 'window-set' });
      } else if (m.cmd === 'run') {
        runSender(m);
      } else if (m.cmd === 'cpu') {
        const u = process.cpuUsage();
        send({ type: 'cpu', ms: (u.user + u.system) / 1000 });
      } else if (m.cmd === 'report') {
        const l = Array.from(lat.subarray(0, latN)).sort((a, b) => a - b);
        const pct = (p) => (l.length ? l[Math.min(l.length - 1, Math.floor((p / 100) * l.length))] / 1000 : null);
        send({
          type: 'report', inWindow, sentInWindowSeen, outOfOrder, closed: closedUnexpectedly,
          p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), max: l.length ? l[l.length - 1] / 1000 : null,
        });
      } else if (m.cmd === 'exit') {
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', message: err.message });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------
// Steering
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    rates: [10000, 40000], reps: 3, duration: 5, warmup: 1, drain: 5, kinds: ['go', 'node'],
    bin: null, build: true, sharded: false, out: '/tmp/bench-cluster/results.json', calm: null,
    heartbeat: 'production', pprof: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--rates') o.rates = next().split(',').map(Number);
    else if (a === '--reps') o.reps = Number(next());
    else if (a === '--duration') o.duration = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--drain') o.drain = Number(next());
    else if (a === '--only') o.kinds = [next()];
    else if (a === '--bin') { o.bin = path.resolve(next()); o.build = false; }
    else if (a === '--no-build') o.build = false;
    else if (a === '--sharded') o.sharded = true;
    else if (a === '--out') o.out = path.resolve(next());
    else if (a === '--calm') o.calm = Number(next());
    else if (a === '--heartbeat') o.heartbeat = next();
    else if (a === '--pprof') o.pprof = path.resolve(next());
    else if (a === '--quick') { o.rates = [10000]; o.reps = 1; o.duration = 2; o.warmup = 1; }
    else if (a === '--help' || a === '-h') {
      console.log(`usage: node bench.js [options]
  --rates R1,R2,..   messages per second sent from A (default 10000,40000)
  --reps K           repetitions per rate and server kind, alternating order (default 3)
  --duration S       measured window, seconds (default 5)
  --warmup S         sending before the window, seconds (default 1)
  --drain S          wait for late messages after the window, seconds (default 5)
  --only go|node     one server kind only
  --bin PATH         the conformance binary to use (default: build ./socketio/conformance)
  --no-build         use /tmp/bench-cluster/conformance as it is
  --sharded          sharded Pub/Sub on both (createShardedAdapter / --redis-sharded)
  --out PATH         JSON results (default /tmp/bench-cluster/results.json)
  --heartbeat H      production (default: 25s / 20s, like both servers' defaults) or contract
                     (the test contract's 300ms / 200ms: a server more than 200 ms behind on a
                     connection drops it, which then fails the run)
  --pprof DIR        rpsio nodes serve net/http/pprof (--pprof-addr); each run saves both nodes'
                     CPU and allocation profiles of the window into DIR
                     (<rate>-<rep>-a-cpu.pb.gz, ...; go tool pprof -top <binary> <file>)
  --calm P           before each run, wait (at most 60 s) until CPU pressure (PSI some avg10) <= P %
  --quick            one 2 s repetition at 10000/s`);
      process.exit(0);
    } else throw new Error('unknown option ' + a);
  }
  return o;
}

function cpuMsOf(pid) {
  // /proc/<pid>/stat: fields after the ")" of comm; utime and stime are fields 14 and 15.
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  return (ticks * 1000) / CLK_TCK;
}
let CLK_TCK = 100;
function machineStat() {
  // aggregate cpu line: user nice system idle iowait irq softirq steal
  const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = l[0] + l[1] + l[2] + l[5] + l[6];
  return { busyMs: (busy * 1000) / CLK_TCK, stealMs: ((l[7] || 0) * 1000) / CLK_TCK };
}

// CPU pressure (PSI "some avg10", %), or null where the kernel has no PSI.
function cpuPressure() {
  try {
    return Number(/some avg10=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))[1]);
  } catch { return null; }
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (/^model name\s*:\s*(.*)$/m.exec(cpuinfo) || [])[1] || 'unknown';
  let goVersion = 'unknown';
  try { goVersion = execFileSync('go', ['version'], { encoding: 'utf8' }).trim(); } catch { /* no go */ }
  let redisVersion = 'unknown';
  try { redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  return {
    cpuModel: model, nproc: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(), node: process.version, go: goVersion, redis: redisVersion, loadavg: os.loadavg(),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Redis's own counters: PUBLISH/SPUBLISH calls and bytes read from clients (INFO), to see how
// each adapter uses Redis per message (one command each? how many round trips' worth of bytes?).
async function redisCounters(client) {
  const info = String(await client.sendCommand(['INFO', 'all']));
  const calls = (cmd) => Number((new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(info) || [])[1] || 0);
  const stat = (k) => Number((new RegExp(`^${k}:(\\d+)`, 'm').exec(info) || [])[1] || 0);
  return { publish: calls('publish') + calls('spublish'), commands: stat('total_commands_processed'), inBytes: stat('total_net_input_bytes'), reads: stat('total_reads_processed') };
}

class Worker {
  constructor(role) {
    this.role = role;
    this.child = fork(__filename, ['--worker', role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.waiters = [];
    this.child.on('message', (m) => {
      if (m.type === 'error') { console.error(`${role}: ${m.message}`); }
      const i = this.waiters.findIndex((w) => w.type === m.type || m.type === 'error');
      if (i >= 0) { const [w] = this.waiters.splice(i, 1); m.type === 'error' ? w.reject(new Error(`${role}: ${m.message}`)) : w.resolve(m); }
    });
  }
  ask(cmd, type, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.role}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ type, resolve: (m) => { clearTimeout(t); resolve(m); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.child.send(cmd);
    });
  }
  tell(cmd) { this.child.send(cmd); }
  kill() { try { this.child.kill('SIGKILL'); } catch { /* gone */ } }
}

// GETs an http URL on 127.0.0.1 into a file (the pprof endpoints of --pprof).
function fetchToFile(url, file) {
  const http = require('http');
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      if (res.statusCode !== 200) { res.resume(); reject(new Error(`${url}: HTTP ${res.statusCode}`)); return; }
      const out = fs.createWriteStream(file);
      res.pipe(out);
      out.on('finish', resolve);
      out.on('error', reject);
    }).on('error', reject);
  });
}

async function oneRun(o, kind, rate, deps, tag = '') {
  const { startRedis, startNode } = deps;
  const redis = await startRedis();
  const nodes = [];
  const workers = [];
  try {
    const args = o.heartbeat === 'production' ? ['--ping-interval', '25s', '--ping-timeout', '20s'] : [];
    const profiling = o.pprof && kind === 'go';
    if (profiling) args.push('--pprof-addr', '127.0.0.1:0');
    nodes.push(await startNode(kind, redis, { name: `${kind}-a`, sharded: o.sharded, args }));
    nodes.push(await startNode(kind, redis, { name: `${kind}-b`, sharded: o.sharded, args }));
    const [A, B] = nodes;
    const recv = new Worker('receiver');
    const snd = new Worker('sender');
    workers.push(recv, snd);
    await recv.ask({ cmd: 'connect', url: `ws://127.0.0.1:${B.port}/socket.io/?EIO=4&transport=websocket` }, 'connected');
    await snd.ask({ cmd: 'connect', url: `ws://127.0.0.1:${A.port}/socket.io/?EIO=4&transport=websocket` }, 'connected');
    // The room reaches B (immediately in classic mode; after B's SSUBSCRIBE in sharded mode).
    const probeDeadline = Date.now() + 10000;
    for (;;) {
      snd.tell({ cmd: 'probe' });
      if ((await recv.ask({ cmd: 'probed?' }, 'probed')).seen) break;
      if (Date.now() > probeDeadline) throw new Error('the receiver on B never got a message from A');
      await sleep(50);
    }
    const startUs = nowUs() + 50_000;
    const fromUs = startUs + o.warmup * 1e6;
    const toUs = fromUs + o.duration * 1e6;
    const capacity = Math.ceil(rate * o.duration * 1.05) + 1000;
    await recv.ask({ cmd: 'window', fromUs, toUs, capacity }, 'window-set');
    await snd.ask({ cmd: 'window', fromUs, toUs, capacity }, 'window-set');
    const sentP = snd.ask({ cmd: 'run', rate, startUs, stopUs: toUs }, 'sent', (o.warmup + o.duration + 30) * 1000);

    // CPU at the window's edges (this process is idle meanwhile, so its timers are punctual).
    const rc = await redis.client();
    await sleep(Math.max(0, (fromUs - nowUs()) / 1000));
    // --pprof: CPU and allocation profiles of both nodes over the window.
    let profiles = Promise.resolve();
    if (profiling) {
      fs.mkdirSync(o.pprof, { recursive: true });
      profiles = Promise.all([['a', A], ['b', B]].flatMap(([n, node]) => {
        const addr = (/pprof on (http:\/\/\S+\/debug\/pprof\/)/.exec(node.stderr()) || [])[1];
        if (!addr) throw new Error(`node ${n} printed no pprof address`);
        return [
          fetchToFile(`${addr}profile?seconds=${o.duration}`, path.join(o.pprof, `${tag}${n}-cpu.pb.gz`)),
          fetchToFile(`${addr}allocs?seconds=${o.duration}`, path.join(o.pprof, `${tag}${n}-allocs.pb.gz`)),
        ];
      }));
    }
    const r0 = await redisCounters(rc);
    const c0 = {
      a: cpuMsOf(A.pid), b: cpuMsOf(B.pid), redis: redis.pid ? cpuMsOf(redis.pid()) : 0, m: machineStat(),
      snd: (await snd.ask({ cmd: 'cpu' }, 'cpu')).ms, recv: (await recv.ask({ cmd: 'cpu' }, 'cpu')).ms, t: nowUs(),
    };
    await sleep(Math.max(0, (toUs - nowUs()) / 1000));
    const c1 = {
      a: cpuMsOf(A.pid), b: cpuMsOf(B.pid), redis: redis.pid ? cpuMsOf(redis.pid()) : 0, m: machineStat(),
      snd: (await snd.ask({ cmd: 'cpu' }, 'cpu')).ms, recv: (await recv.ask({ cmd: 'cpu' }, 'cpu')).ms, t: nowUs(),
    };
    const r1 = await redisCounters(rc);
    const sent = await sentP;
    await profiles;
    // Late messages: wait until every message sent in the window has arrived, or --drain.
    const drainEnd = Date.now() + o.drain * 1000;
    let rep;
    for (;;) {
      rep = await recv.ask({ cmd: 'report' }, 'report');
      if (rep.sentInWindowSeen >= sent.sentInWindow || Date.now() > drainEnd) break;
      await sleep(100);
    }
    const wallMs = (c1.t - c0.t) / 1000;
    const serverCpuMs = (c1.a - c0.a) + (c1.b - c0.b);
    const otherMs = (c1.m.busyMs - c0.m.busyMs) - serverCpuMs - (c1.redis - c0.redis) - (c1.snd - c0.snd) - (c1.recv - c0.recv);
    const result = {
      kind, rate, wallMs,
      sentPerS: (sent.sentInWindow / o.duration),
      deliveredPerS: rep.inWindow / (wallMs / 1000),
      lost: sent.sentInWindow - rep.sentInWindowSeen,
      outOfOrder: rep.outOfOrder,
      p50: rep.p50, p90: rep.p90, p99: rep.p99, p999: rep.p999, max: rep.max,
      cpuAPct: ((c1.a - c0.a) / wallMs) * 100,
      cpuBPct: ((c1.b - c0.b) / wallMs) * 100,
      cpuRedisPct: ((c1.redis - c0.redis) / wallMs) * 100,
      cpuPerMsgUs: rep.inWindow ? (serverCpuMs * 1000) / rep.inWindow : null,
      senderPct: ((c1.snd - c0.snd) / wallMs) * 100,
      receiverPct: ((c1.recv - c0.recv) / wallMs) * 100,
      senderMaxBehindMs: sent.maxBehindMs,
      // per message sent in the window (the counters' own INFO calls are a handful)
      redisPublishPerMsg: (r1.publish - r0.publish) / sent.sentInWindow,
      redisCommandsPerMsg: (r1.commands - r0.commands) / sent.sentInWindow,
      redisInBytesPerMsg: (r1.inBytes - r0.inBytes) / sent.sentInWindow,
      redisReadsPerMsg: (r1.reads - r0.reads) / sent.sentInWindow,
      otherPct: (otherMs / wallMs) * 100,
      stealPct: ((c1.m.stealMs - c0.m.stealMs) / wallMs) * 100,
      closed: rep.closed,
      senderClosed: sent.closed,
      senderBuffered: sent.buffered,
      nodesAlive: nodes.every((n) => n.isAlive()),
    };
    result.ok = result.lost === 0 && result.outOfOrder === 0 && result.closed === null && result.senderClosed === null && result.nodesAlive;
    if (!result.ok) result.stderr = { a: A.stderr().slice(-2000), b: B.stderr().slice(-2000) };
    return result;
  } finally {
    for (const w of workers) { try { w.tell({ cmd: 'exit' }); } catch { /* gone */ } setTimeout(() => w.kill(), 500).unref(); }
    for (const n of nodes) await n.stop();
    await redis.close();
  }
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const fmt = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

function table(o, results, mach) {
  const lines = [];
  lines.push(`Machine: ${mach.cpuModel}, ${mach.nproc} CPUs, ${mach.memGiB} GiB, Linux ${mach.kernel}, Node ${mach.node}, ${mach.go}, ${mach.redis.split(' ').slice(0, 3).join(' ')}`);
  lines.push(`Mode: ${o.sharded ? 'sharded (SPUBLISH/SSUBSCRIBE)' : 'classic (PUBLISH/PSUBSCRIBE)'}; heartbeat ${o.heartbeat === 'production' ? '25s/20s' : '300ms/200ms (contract)'}; ${o.reps} repetition(s) per rate and server, ${o.duration} s windows after ${o.warmup} s warm-up; medians of the runs that passed.`);
  lines.push('');
  const both = o.kinds.length === 2;
  lines.push(`| rate (msg/s) | metric | rpsio ↔ rpsio | Node ↔ Node |${both ? ' rpsio/Node |' : ''}`);
  lines.push(`| ---: | --- | ---: | ---: |${both ? ' ---: |' : ''}`);
  const metrics = [
    ['deliveries/s', 'deliveredPerS', 0],
    ['latency p50 (ms)', 'p50', 2],
    ['latency p99 (ms)', 'p99', 2],
    ['latency p99.9 (ms)', 'p999', 2],
    ['server CPU per delivered message (µs, A+B)', 'cpuPerMsgUs', 1],
    ['node A CPU (% of a core)', 'cpuAPct', 0],
    ['node B CPU (% of a core)', 'cpuBPct', 0],
    ['redis-server CPU (% of a core)', 'cpuRedisPct', 0],
    ['Redis commands / reads per message', null, 2],
    ['sender / receiver client CPU (%)', null, 0],
    ['rest of the machine / hypervisor steal (% of a core)', null, 0],
    ['runs passed', null, 0],
  ];
  for (const rate of o.rates) {
    const of = (kind) => results.filter((r) => r.kind === kind && r.rate === rate);
    for (const [label, key, d] of metrics) {
      const cell = (kind) => {
        const all = of(kind);
        const ok = all.filter((r) => r.ok);
        if (!all.length) return '–';
        if (label.startsWith('runs passed')) {
          // Saturated: the nodes delivered less than 95 % of the send rate (latency then grows
          // with the backlog for as long as the window lasts).
          const sat = ok.filter((r) => r.deliveredPerS < 0.95 * r.rate).length;
          return `${ok.length}/${all.length}${sat ? ` (${sat} saturated)` : ''}`;
        }
        if (label.startsWith('sender')) return `${fmt(median(ok.map((r) => r.senderPct)), 0)} / ${fmt(median(ok.map((r) => r.receiverPct)), 0)}`;
        if (label.startsWith('Redis commands')) return `${fmt(median(ok.map((r) => r.redisCommandsPerMsg)), 2)} / ${fmt(median(ok.map((r) => r.redisReadsPerMsg)), 2)}`;
        if (label.startsWith('rest')) return `${fmt(median(ok.map((r) => r.otherPct)), 0)} / ${fmt(median(ok.map((r) => r.stealPct)), 0)}`;
        return fmt(median(ok.map((r) => r[key])), d);
      };
      const g = cell('go');
      const n = cell('node');
      let ratio = '';
      if (both && key) {
        const mg = median(of('go').filter((r) => r.ok).map((r) => r[key]));
        const mn = median(of('node').filter((r) => r.ok).map((r) => r[key]));
        ratio = mg !== null && mn ? fmt(mg / mn, 2) : '–';
      }
      lines.push(`| ${fmt(rate, 0)} | ${label} | ${o.kinds.includes('go') ? g : '–'} | ${o.kinds.includes('node') ? n : '–'} |${both ? ` ${ratio} |` : ''}`);
    }
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    lines.push('');
    lines.push('Runs that failed (left out of the medians):');
    for (const r of failed) {
      lines.push(`- ${r.kind} at ${r.rate}/s: ${r.error ? r.error : `lost ${r.lost}, out of order ${r.outOfOrder}, receiver closed ${r.closed}, sender closed ${r.senderClosed}, nodes alive ${r.nodesAlive}`}`);
    }
  }
  return lines.join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  try { CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { /* 100 */ }
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  for (const dir of ['test/reference', 'test/cluster']) {
    if (!fs.existsSync(path.join(ROOT, dir, 'node_modules'))) {
      console.error(`npm ci in ${dir}`);
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: path.join(ROOT, dir), stdio: 'inherit' });
    }
  }
  if (o.kinds.includes('go')) {
    if (!o.bin) o.bin = '/tmp/bench-cluster/conformance';
    if (o.build) {
      console.error(`go build -o ${o.bin} ./socketio/conformance`);
      execFileSync('go', ['build', '-o', o.bin, './socketio/conformance'], { cwd: ROOT, stdio: 'inherit' });
    }
    process.env.CONFORMANCE_BIN = o.bin;
    // Both kinds must run with the same heartbeat; a conformance binary without the flags
    // (before they were added) gets the contract's heartbeat, and so does the reference then.
    if (o.heartbeat === 'production') {
      // Go's flag package prints the usage on stderr and exits 0 (recent Go) or 2: read both
      // streams whatever the exit code.
      const r = spawnSync(o.bin, ['--help'], { encoding: 'utf8', timeout: 10000 });
      const help = `${r.stdout || ''}${r.stderr || ''}`;
      if (!/ping-interval/.test(help)) {
        console.error(`warning: ${o.bin} has no --ping-interval flag: both servers run with the contract's 300ms/200ms heartbeat`);
        o.heartbeat = 'contract';
      }
    }
  }
  // After CONFORMANCE_BIN is set: the cluster library reads it when loaded.
  const { startRedis } = require(path.join(ROOT, 'test/cluster/lib/redis'));
  const { startNode } = require(path.join(ROOT, 'test/cluster/lib/cluster'));
  const deps = { startRedis, startNode };

  const mach = machine();
  const results = [];
  let turn = 0;
  for (const rate of o.rates) {
    for (let rep = 0; rep < o.reps; rep++) {
      const order = (turn++ % 2 === 0) ? o.kinds : [...o.kinds].reverse();
      for (const kind of order) {
        let r;
        let psi = cpuPressure();
        if (o.calm !== null && psi !== null) {
          const w0 = Date.now();
          while (psi > o.calm && Date.now() - w0 < 60000) { await sleep(1000); psi = cpuPressure(); }
        }
        try {
          r = await oneRun(o, kind, rate, deps, `${rate}-${rep + 1}-`);
          r.psiBefore = psi;
        } catch (err) {
          r = { kind, rate, ok: false, error: err.message.split('\n')[0] };
        }
        results.push(r);
        console.error(`${kind} ${rate}/s rep ${rep + 1}: ${r.ok ? `${fmt(r.deliveredPerS, 0)}/s p50 ${fmt(r.p50, 2)} ms p99 ${fmt(r.p99, 2)} ms, ${fmt(r.cpuPerMsgUs, 1)} µs CPU/msg (A ${fmt(r.cpuAPct, 0)} %, B ${fmt(r.cpuBPct, 0)} %, steal ${fmt(r.stealPct, 0)} %)` : `FAILED ${r.error || JSON.stringify(r)}`}`);
      }
    }
  }
  fs.writeFileSync(o.out, JSON.stringify({ machine: mach, options: o, results }, null, 2));
  console.log(table(o, results, mach));
  console.log(`\nJSON: ${o.out}`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

if (process.argv[2] === '--worker') workerMain(process.argv[3]);
else main().catch((err) => { console.error(err); process.exit(2); });
