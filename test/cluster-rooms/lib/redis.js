'use strict';
// A real redis-server per test: started on a free loopback port with persistence off (no RDB
// saves, no AOF, in a temporary directory), killed when the test ends, pass or fail, and when
// the test process exits.
//
//   const redis = await startRedis(t);
//   await redis.stop();            // SHUTDOWN SAVE: clients get "connection refused"...
//   await redis.start();           // ...until it is back on the same port, with the same data
//   redis.pause(); redis.resume(); // SIGSTOP / SIGCONT: connections open, nothing answers
//   await redis.cli('KEYS', '*');  // redis-cli, output lines
//
// The outage tests need the rooms to survive the restart, as a Redis with persistence (or a
// replica) would keep them: stop() saves a snapshot explicitly on the way down (SHUTDOWN SAVE)
// and start() loads it. Nothing is ever saved in between.
const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;
const REDIS_SERVER = process.env.REDIS_SERVER_BIN || 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI_BIN || 'redis-cli';

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

// A port nothing listens on right now (redis-server is retried on another one if it loses
// the race for it).
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

function spawnRedis(port, dir) {
  const child = spawn(REDIS_SERVER, [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no',
    '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb',
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

async function killChild(proc, sig = 'SIGKILL') {
  const { child, exited } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  try { child.kill('SIGCONT'); } catch { /* gone */ }
  child.kill(sig);
  await exited;
}

function cli(port, args, { timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout.replace(/\n$/, '').split('\n'));
    });
  });
}

// Starts redis-server; the handle is closed after `t` (a test context or a suite's hooks).
async function startRedis(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rpsio-cluster-rooms-redis-'));
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
  const handle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    isRunning: () => proc !== null,
    pid: () => (proc ? proc.child.pid : null),
    log: () => (proc ? proc.log() : ''),
    cli: (...args) => cli(port, args),
    // Stops it with a snapshot of the data (loaded again by start()).
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      try {
        await cli(port, ['SHUTDOWN', 'SAVE']).catch(() => {}); // the connection drops as it exits
        const timer = setTimeout(() => p.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await p.exited;
        clearTimeout(timer);
      } finally {
        await killChild(p);
      }
    },
    // Starts it again on the same port (redis-server sets SO_REUSEADDR).
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
    async close() {
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
