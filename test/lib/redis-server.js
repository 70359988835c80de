'use strict';
// A real redis-server for the Node suites: started on a free loopback port with persistence off
// (no RDB saves, no AOF, in a temporary directory), stoppable and restartable on the same port
// (the outage tests), killed when the test process exits (test/lib/spawn.js).
//
// Shared by test/cluster and test/cluster-rooms (each has lib/redis.js choosing its options).
// It requires Node's own modules only: a suite that wants a Redis client passes its
// createClient (from the `redis` package of its own node_modules) as an option, since this
// directory has no node_modules of its own.
//
//   const redis = await startRedis(t, opts);
//   await redis.stop();            // the server exits: clients get "connection refused"...
//   await redis.start();           // ...until it is back on the same port
//   redis.pause(); redis.resume(); // SIGSTOP / SIGCONT: connections open, nothing answers
//   await redis.cli('KEYS', '*');  // redis-cli, output lines
//   await redis.client();          // with opts.createClient: a connected client, closed by close()
//
// opts:
//   tmpPrefix       the temporary directory's name prefix
//   snapshotOnStop  stop() saves a snapshot on the way down (SHUTDOWN SAVE) and start() loads
//                   it, as a Redis with persistence (or a replica) would keep the data; nothing
//                   is ever saved in between. Otherwise stop() is a SIGTERM and the data is gone.
//   stopTimeoutMs   how long stop() waits for the exit before a SIGKILL
//   createClient    node-redis v4's createClient, for client()
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { track } = require('./spawn');

const START_TIMEOUT_MS = 10000;
const REDIS_SERVER = process.env.REDIS_SERVER_BIN || 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI_BIN || 'redis-cli';

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

// Spawns redis-server on `port` and resolves `ready` once it logs that it accepts connections.
function spawnRedis(port, dir) {
  const child = spawn(REDIS_SERVER, [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no',
    '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb',
    '--daemonize', 'no', '--loglevel', 'notice', '--logfile', '',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = track(child);
  let log = '';
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
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${REDIS_SERVER}: ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (code ${code}, signal ${signal})\n${log}`));
    });
  });
  ready.catch(() => {}); // observed through the handle
  return { child, exited, ready, log: () => log };
}

const gone = ({ child }) => child.exitCode !== null || child.signalCode !== null;

// Kills at once (a stopped process too) and waits for the exit.
async function killChild(proc) {
  if (gone(proc)) return;
  try { proc.child.kill('SIGCONT'); } catch { /* gone */ }
  proc.child.kill('SIGKILL');
  await proc.exited;
}

// Waits up to `ms` for the exit, then kills.
async function awaitExit(proc, ms) {
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), ms);
  await proc.exited;
  clearTimeout(timer);
}

function cli(port, args, { timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout.replace(/\n$/, '').split('\n'));
    });
  });
}

// Starts redis-server; the handle is closed after `t` (a test context or a suite's hooks) when
// one is given.
async function startRedis(t, {
  tmpPrefix = 'rpsio-redis-', snapshotOnStop = false, stopTimeoutMs = 5000, createClient,
} = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  let proc = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !proc; attempt++) {
    port = await freePort();
    const p = spawnRedis(port, dir);
    try {
      await p.ready;
      proc = p;
    } catch (err) {
      await killChild(p);
      if (attempt === 4 || !/Address already in use|bind/i.test(err.message)) throw err;
    }
  }
  const clients = new Set();
  const handle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    isRunning: () => proc !== null,
    pid: () => (proc ? proc.child.pid : null),
    log: () => (proc ? proc.log() : ''),
    cli: (...args) => cli(port, args),
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      if (gone(p)) return;
      try {
        if (snapshotOnStop) {
          await cli(port, ['SHUTDOWN', 'SAVE']).catch(() => {}); // the connection drops as it exits
        } else {
          p.child.kill('SIGTERM');
        }
        await awaitExit(p, stopTimeoutMs);
      } finally {
        await killChild(p);
      }
    },
    // Starts it again on the same port (redis-server sets SO_REUSEADDR, so a fresh bind works).
    async start() {
      if (proc) return;
      const p = spawnRedis(port, dir);
      try {
        await p.ready;
      } catch (err) {
        await killChild(p);
        throw err;
      }
      proc = p;
    },
    pause() { if (proc) proc.child.kill('SIGSTOP'); },
    resume() { if (proc) proc.child.kill('SIGCONT'); },
    // A client for the tests' own commands (PUBSUB counts, the emitter).
    async client() {
      if (!createClient) throw new Error('startRedis: no createClient given for client()');
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
      const p = proc;
      proc = null;
      if (p) await killChild(p);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (t) t.after(() => handle.close());
  return handle;
}

module.exports = { startRedis, freePort };
