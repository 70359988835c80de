'use strict';
// The servers under test. Every test file runs its tests once per entry:
//   - "reference": the official Node socket.io / engine.io server (test/reference/server.js), always;
//   - "go": the binary named by $CONFORMANCE_BIN, whenever that variable is set (CI always sets it).
// Both speak the same contract: `<server> --mode engine|socket --addr 127.0.0.1:0` prints
// "listening <port>" on stdout once ready.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { describe, before, after } = require('node:test');

const REFERENCE_DIR = path.resolve(__dirname, '..', '..', 'reference');
const REFERENCE_SERVER = path.join(REFERENCE_DIR, 'server.js');
const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 3000;

function serverList() {
  const list = [{ name: 'reference', cmd: process.execPath, args: [REFERENCE_SERVER] }];
  const bin = process.env.CONFORMANCE_BIN;
  if (bin) list.push({ name: 'go', cmd: path.resolve(bin), args: [] });
  return list;
}
const SERVERS = serverList();

// Last resort: never leave a server behind when this test process ends, normally or by a
// signal (the test runner sends SIGTERM to its file processes when it is itself stopped).
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

function checkRunnable(server) {
  if (server.name === 'reference') {
    if (!fs.existsSync(path.join(REFERENCE_DIR, 'node_modules', 'socket.io'))) {
      throw new Error(`reference server dependencies missing: run "npm install" in ${REFERENCE_DIR}`);
    }
  } else if (!fs.existsSync(server.cmd)) {
    throw new Error(`CONFORMANCE_BIN=${process.env.CONFORMANCE_BIN} does not exist (build it: go build -o ... ./socketio/conformance)`);
  }
}

// Starts one server process in the given mode ("engine" or "socket") and resolves once it
// printed its port. The returned handle's stop() kills it and waits for it to exit; kill(sig)
// sends a signal without waiting (the cluster tests' SIGSTOP / SIGKILL).
// `extra.args` are appended to the command line, `extra.env` is merged into the environment
// (the cluster tests configure the Go binary with flags and the reference with variables).
function startServer(server, mode, extra = {}) {
  checkRunnable(server);
  const child = spawn(server.cmd, [...server.args, '--mode', mode, '--addr', '127.0.0.1:0', ...(extra.args || [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(extra.env || {}) },
  });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-16384); // keep the tail for error messages
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why) => {
      cleanup();
      stop().finally(() => reject(new Error(`${server.name} server (--mode ${mode}) ${why}\n--- stderr ---\n${stderr}`)));
    };
    const timer = setTimeout(() => fail(`did not print "listening <port>" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onData = (chunk) => {
      out += chunk;
      const m = /^listening (\d+)\s*$/m.exec(out);
      if (!m) return;
      cleanup();
      child.stdout.resume(); // keep draining whatever else it prints
      const port = Number(m[1]);
      resolve({
        name: server.name,
        mode,
        port,
        url: `http://127.0.0.1:${port}`,
        wsUrl: `ws://127.0.0.1:${port}`,
        pid: child.pid,
        stop,
        kill: (sig) => { try { child.kill(sig); } catch { /* already gone */ } },
        stderr: () => stderr,
        exited,
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

// describe() block per server; fn(ctx) declares the tests, which read ctx.server at run time.
// One server process per block, started before its tests and killed after them (pass or fail).
function describeEachServer(mode, fn, options = {}) {
  for (const server of SERVERS) {
    describe(`[${server.name}]`, options, () => {
      const ctx = { server: null };
      before(async () => {
        ctx.server = await startServer(server, mode);
      });
      after(async () => {
        if (!ctx.server) return;
        const alive = ctx.server.isAlive();
        await ctx.server.stop();
        // A server that crashed during the tests is a failure in itself.
        if (!alive) throw new Error(`${server.name} server exited during the tests\n--- stderr ---\n${ctx.server.stderr()}`);
      });
      fn(ctx);
    });
  }
}

module.exports = { SERVERS, startServer, describeEachServer, checkRunnable };
