'use strict';
// The servers under test, as in test/interop (lib/servers.js there): "reference"
// (test/reference/server.js, the official socket.io 4.8 with connectionStateRecovery) always,
// "go" ($CONFORMANCE_BIN, socketio/conformance) whenever that variable is set. Both take
// `--mode socket --addr 127.0.0.1:0 --recovery DURATION` and print "listening <port>".
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const REFERENCE_DIR = path.resolve(__dirname, '..', '..', 'reference');
const START_TIMEOUT_MS = 15000;

const SERVERS = [{ name: 'reference', cmd: process.execPath, args: [path.join(REFERENCE_DIR, 'server.js')] }];
if (process.env.CONFORMANCE_BIN) {
  SERVERS.push({ name: 'go', cmd: path.resolve(process.env.CONFORMANCE_BIN), args: [] });
}
const GO = SERVERS.find((s) => s.name === 'go');

// Never leave a process behind, however this file ends.
const live = new Set();
function killAll() {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
}
process.on('exit', killAll);
for (const [sig, num] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.once(sig, () => { killAll(); process.exit(128 + num); });
}

// spawnUntil starts cmd and resolves with {child, match, stop, stderr} once a line of its
// stdout matches re.
function spawnUntil(label, cmd, args, re) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => { stderr = (stderr + c).slice(-16384); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why) => {
      cleanup();
      stop().finally(() => reject(new Error(`${label} ${why}\n--- stderr ---\n${stderr}`)));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onData = (chunk) => {
      out += chunk;
      const m = re.exec(out);
      if (!m) return;
      cleanup();
      child.stdout.resume();
      resolve({ child, match: m, stop, stderr: () => stderr, isAlive: () => child.exitCode === null && child.signalCode === null });
    };
    const onExit = (code, signal) => fail(`exited early (code ${code}, signal ${signal})`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
  });
}

// startServer starts one server with extra arguments (e.g. ['--recovery', '3s']).
async function startServer(server, extra = []) {
  if (server.name === 'reference' && !fs.existsSync(path.join(REFERENCE_DIR, 'node_modules', 'socket.io'))) {
    throw new Error(`reference server dependencies missing: run "npm ci" in ${REFERENCE_DIR}`);
  }
  const p = await spawnUntil(`${server.name} server`, server.cmd, [...server.args, '--mode', 'socket', '--addr', '127.0.0.1:0', ...extra], /^listening (\d+)\s*$/m);
  const port = Number(p.match[1]);
  return { ...p, name: server.name, port, url: `http://127.0.0.1:${port}` };
}

module.exports = { SERVERS, GO, spawnUntil, startServer };
