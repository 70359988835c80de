'use strict';
// Runs deploy/local-cluster.sh (redis-server, rpsio nodes from $RPSIO_BIN, real nginx with the
// repository's templates) on a free port and stops it again.
//
//   const c = await startCluster(t, { nodes: 2, tls: false, path: '/socket.io/', rpsio: ['--round-duration', '3s'] });
//   c.url, c.nodes[i] = { index, pid, url }, c.nginxPid, c.dir, c.cert, c.redirect
//   await c.stop()  // SIGTERM; resolves with { code, signal } once the script has exited
//
// The script prints "ready URL" when nginx serves; we wait for that line. It is stopped in an
// after hook of the test that started it, pass or fail; as a last resort on process exit its
// processes are killed by pid.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const REPO = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(REPO, 'deploy/local-cluster.sh');
const START_TIMEOUT_MS = 90000;
const STOP_TIMEOUT_MS = 30000;

const live = new Set(); // handles not stopped yet
process.on('exit', () => {
  for (const c of live) {
    for (const pid of c.pids()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    try { fs.rmSync(c.dir, { recursive: true, force: true }); } catch { /* gone */ }
  }
});

function binary() {
  const bin = process.env.RPSIO_BIN;
  if (!bin) {
    throw new Error('RPSIO_BIN is not set: build the server and point RPSIO_BIN at it, e.g.\n'
      + '  go build -o /tmp/rpsio ./cmd/rpsio && RPSIO_BIN=/tmp/rpsio npm test');
  }
  const abs = path.resolve(bin);
  if (!fs.existsSync(abs)) throw new Error(`RPSIO_BIN=${bin} does not exist`);
  return abs;
}

// A port free right now on 127.0.0.1.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Is process pid alive?
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function launch({ nodes = 2, tls = false, path: ioPath, rpsio = [], signal = 'SIGTERM', env = {} } = {}) {
  const port = await freePort();
  const args = [SCRIPT, '--nodes', String(nodes), '--port', String(port)];
  if (tls) args.push('--tls');
  if (ioPath) args.push('--path', ioPath);
  args.push('--', '--round-gap', '0s', '--drain-timeout', '5s', '--log-level', 'warn', ...rpsio);
  const child = spawn('bash', args, {
    env: { ...process.env, RPSIO_BIN: binary(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c = {
    child, port, nodes: [], url: null, nginxPid: null, redis: null, dir: null, cert: null, redirect: null,
    stdout: '', stderr: '',
    pids() { return [this.nginxPid, ...this.nodes.map((n) => n.pid), this.redisPid].filter(Boolean); },
  };
  live.add(c);
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  c.exited = exited;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { c.stderr = (c.stderr + d).slice(-16384); });
  child.stdout.setEncoding('utf8');
  const ready = new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      c.stdout += d;
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const w = line.split(' ');
        switch (w[0]) {
          case 'dir': c.dir = w[1]; break;
          case 'redis': c.redisPid = Number(w[1]); c.redis = w[2]; break;
          case 'node': c.nodes.push({ index: Number(w[1]), pid: Number(w[2]), url: w[3] }); break;
          case 'nginx': c.nginxPid = Number(w[1]); break;
          case 'cert': c.cert = w[1]; break;
          case 'redirect': c.redirect = w[1]; break;
          case 'ready': c.url = w[1]; resolve(c); break;
          default:
        }
      }
    });
    exited.then(({ code, signal: sig }) => reject(new Error(`local-cluster.sh exited (${code ?? sig}) before "ready":\n${c.stdout}\n${c.stderr}`)));
    setTimeout(() => reject(new Error(`local-cluster.sh not ready after ${START_TIMEOUT_MS} ms:\n${c.stdout}\n${c.stderr}`)), START_TIMEOUT_MS).unref();
  });
  c.stop = async (sig = signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    let timer;
    const res = await Promise.race([
      exited,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`local-cluster.sh still running ${STOP_TIMEOUT_MS} ms after ${sig}`)), STOP_TIMEOUT_MS); }),
    ]).finally(() => clearTimeout(timer));
    live.delete(c);
    return res;
  };
  try {
    await ready;
  } catch (err) {
    await c.stop().catch(() => {});
    throw err;
  }
  return c;
}

// Starts a cluster for test t (a node:test context): stopped after it.
async function startCluster(t, opts) {
  const c = await launch(opts);
  t.after(async () => {
    if (live.has(c)) await c.stop();
  });
  return c;
}

module.exports = { startCluster, launch, alive, freePort, REPO };
