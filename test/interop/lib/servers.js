'use strict';
// The servers under test. Every test file runs its tests once per entry:
//   - "reference": the official Node socket.io / engine.io server (test/reference/server.js), always;
//   - "go": the binary named by $CONFORMANCE_BIN, whenever that variable is set (CI always sets it).
// Both speak the same contract: `<server> --mode engine|socket --addr 127.0.0.1:0` prints
// "listening <port>" on stdout once ready.
const fs = require('node:fs');
const path = require('node:path');
const { describe, before, after } = require('node:test');
const { spawnUntil } = require('../../lib/spawn');

const REFERENCE_DIR = path.resolve(__dirname, '..', '..', 'reference');
const REFERENCE_SERVER = path.join(REFERENCE_DIR, 'server.js');

function serverList() {
  const list = [{ name: 'reference', cmd: process.execPath, args: [REFERENCE_SERVER] }];
  const bin = process.env.CONFORMANCE_BIN;
  if (bin) list.push({ name: 'go', cmd: path.resolve(bin), args: [] });
  return list;
}
const SERVERS = serverList();

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
async function startServer(server, mode, extra = {}) {
  checkRunnable(server);
  const p = await spawnUntil(`${server.name} server (--mode ${mode})`, server.cmd,
    [...server.args, '--mode', mode, '--addr', '127.0.0.1:0', ...(extra.args || [])],
    /^listening (\d+)\s*$/m, { env: { ...process.env, ...(extra.env || {}) } });
  const port = Number(p.match[1]);
  return {
    name: server.name,
    mode,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    pid: p.pid,
    stop: p.stop,
    kill: p.kill,
    stderr: p.stderr,
    exited: p.exited,
    isAlive: p.isAlive,
  };
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
