'use strict';
// A real redis-server per test file: started on a free loopback port with persistence off,
// stoppable and restartable on the same port (the outage tests), killed when the process ends.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { createClient } = require('redis');

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 3000;
const REDIS_SERVER = process.env.REDIS_SERVER_BIN || 'redis-server';

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

// A port nothing listens on right now. Another process may take it before redis-server binds
// it: startRedis retries with a new port when the bind fails.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Spawns redis-server on `port` and resolves once it logs that it accepts connections.
function spawnRedis(port, dir) {
  const child = spawn(REDIS_SERVER, [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no',
    '--save', '', '--appendonly', 'no', '--dir', dir,
    '--daemonize', 'no', '--loglevel', 'notice', '--logfile', '',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} not ready within ${START_TIMEOUT_MS} ms\n${log}`)), START_TIMEOUT_MS);
    const onData = (chunk) => {
      log = (log + chunk).slice(-8192);
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot start ${REDIS_SERVER}: ${err.message}`)); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (code ${code}, signal ${signal})\n${log}`));
    });
  });
  ready.catch(() => {}); // observed through the returned promise
  return { child, exited, ready, log: () => log };
}

async function stopChild(proc) {
  const { child, exited } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

// Starts a redis-server. The handle: url, port, stop() (waits for the exit), start() (again,
// same port), client() (a connected node-redis v4 client, closed by stop()/close()), close().
async function startRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rpsio-cluster-redis-'));
  let proc = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !proc; attempt++) {
    port = await freePort();
    const p = spawnRedis(port, dir);
    try {
      await p.ready;
      proc = p;
    } catch (err) {
      await stopChild(p);
      if (attempt === 4 || !/Address already in use|bind/i.test(err.message)) throw err;
    }
  }
  const clients = new Set();
  const handle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    isRunning: () => proc !== null,
    pid: () => (proc ? proc.child.pid : null),
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      await stopChild(p);
    },
    async start() {
      if (proc) return;
      // The port was ours a moment ago; redis-server sets SO_REUSEADDR, so a fresh bind works.
      const p = spawnRedis(port, dir);
      await p.ready;
      proc = p;
    },
    // A client for the tests' own commands (PUBSUB counts, the emitter).
    async client() {
      const c = createClient({ url: handle.url, socket: { reconnectStrategy: false } });
      c.on('error', () => {}); // failures show up as rejected commands
      await c.connect();
      clients.add(c);
      return c;
    },
    async close() {
      for (const c of clients) {
        try { await c.disconnect(); } catch { /* already closed */ }
      }
      clients.clear();
      await handle.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

module.exports = { startRedis, freePort };
