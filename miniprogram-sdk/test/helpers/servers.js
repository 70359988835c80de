'use strict';
// The servers the SDK suite runs against (the "fixture"): the official
// socket.io 4.x reference server always, and rpsio's Go twin when
// CONFORMANCE_BIN is set. Both speak the same test contract and print
// "listening <port>" on stdout once ready.
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const REFERENCE = path.resolve(__dirname, '..', '..', '..', 'test', 'reference', 'server.js');

function serverDefs() {
  const defs = [{ name: 'reference socket.io', command: process.execPath, args: [REFERENCE, '--mode', 'socket'] }];
  if (process.env.CONFORMANCE_BIN) {
    defs.push({ name: 'rpsio conformance', command: process.env.CONFORMANCE_BIN, args: ['--mode', 'socket'] });
  }
  return defs;
}

function referenceDef() {
  return serverDefs()[0];
}

function conformanceDef() {
  return serverDefs()[1] || null;
}

const running = new Set();
process.on('exit', () => {
  for (const proc of running) {
    try {
      proc.kill('SIGKILL');
    } catch (e) {
      // gone
    }
  }
});

function checkReference(def) {
  if (def.args[0] !== REFERENCE) return;
  if (!fs.existsSync(path.join(path.dirname(REFERENCE), 'node_modules', 'socket.io'))) {
    throw new Error('reference server not installed: run `npm ci` in ' + path.dirname(REFERENCE));
  }
}

// Starts `def` on 127.0.0.1:port (0 = the OS picks) and resolves once it
// printed "listening <port>".
function startServer(def, port) {
  checkReference(def);
  return new Promise((resolve, reject) => {
    const proc = spawn(def.command, def.args.concat(['--addr', '127.0.0.1:' + (port || 0)]), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(proc);
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error('server did not start within 15 s')), 15000);
    function fail(e) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      e.message += '\nstdout: ' + out + '\nstderr: ' + err.slice(-2000);
      reject(e);
    }
    proc.stderr.on('data', (d) => {
      err += d;
      if (err.length > 100000) err = err.slice(-50000);
    });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        const actual = Number(m[1]);
        resolve(makeHandle(def, proc, actual));
      }
    });
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      fail(new Error('server exited early (' + (signal || code) + ')'));
    });
    proc.on('error', (e) => fail(e));
  });
}

function makeHandle(def, proc, port) {
  const exited = new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', resolve);
  });
  return {
    def,
    port,
    url: 'http://127.0.0.1:' + port,
    proc,
    // Stops the server and resolves once the process is gone.
    stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        exited.then(() => clearTimeout(t));
      }
      return exited;
    },
    // Starts the same server again on the same port.
    restart() {
      return startServer(def, port);
    },
  };
}

module.exports = { serverDefs, referenceDef, conformanceDef, startServer, REFERENCE };
