'use strict';
// The processes the Node suites start (servers under test, Node peers, redis-server, rpsio):
// spawnUntil, ready once its stdout matches (test/interop, and through it test/cluster;
// test/recovery); track and terminate for those started otherwise (test/rps/lib/server.js,
// test/lib/redis-server.js).
// Requires Node's own modules only (test/lib has no node_modules).
//
// Last resort: never leave a process behind when the test process ends, normally or by a
// signal (the test runner sends SIGTERM to its file processes when it is itself stopped).
const { spawn } = require('node:child_process');

const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 3000;

const live = new Set();
function killAll() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killAll);
for (const [sig, num] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + num);
  });
}

// Registers a child for the last-resort kill; resolves with its exit's {code, signal}.
function track(child) {
  live.add(child);
  return new Promise((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
}

// SIGTERM, SIGKILL after 3 s; resolves once it exited (at once if it had).
async function terminate(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

// Starts cmd and resolves once its stdout (read from the start) matches re; rejects, after
// stopping it, when it exits, cannot be started or does not match within the start timeout.
// label names it in errors. opts.env replaces the environment.
// The handle: child, pid, match (re's match), stop() (SIGTERM, SIGKILL after 3 s, waits for
// the exit), kill(sig) (a signal without waiting: SIGSTOP, SIGKILL), exited (a promise of
// {code, signal}), stderr() (its tail), isAlive().
function spawnUntil(label, cmd, args, re, { env } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env || process.env });
  const exited = track(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-16384); // keep the tail for error messages
  });
  const stop = () => terminate(child, exited);

  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why) => {
      cleanup();
      stop().finally(() => reject(new Error(`${label} ${why}\n--- stderr ---\n${stderr}`)));
    };
    const timer = setTimeout(() => fail(`did not print a line matching ${re} within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onData = (chunk) => {
      out += chunk;
      const m = re.exec(out);
      if (!m) return;
      cleanup();
      child.stdout.resume(); // keep draining whatever else it prints
      resolve({
        child,
        pid: child.pid,
        match: m,
        stop,
        kill: (sig) => { try { child.kill(sig); } catch { /* already gone */ } },
        exited,
        stderr: () => stderr,
        isAlive: () => child.exitCode === null && child.signalCode === null,
      });
    };
    const onExit = (code, signal) => fail(`exited early (code ${code}, signal ${signal})`);
    const onError = (err) => fail(`could not be started: ${err.message}`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

module.exports = { spawnUntil, track, terminate };
