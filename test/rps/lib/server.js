'use strict';
// Starts the rpsio binary named by $RPSIO_BIN on a free loopback port and stops it again.
//
//   const srv = await startServer(t, { roundDuration: '3s', roundGap: '100ms', grace: '2s' });
//
// The binary logs JSON on stderr; its "rpsio listening" line carries the address. We then wait
// for GET /healthz to answer 200. The process is killed in an after hook of the test (or suite)
// that started it, pass or fail, and on process exit as a last resort.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { before, after } = require('node:test');
const { track, terminate } = require('../../lib/spawn');

const START_TIMEOUT_MS = 15000;

function binary() {
  const bin = process.env.RPSIO_BIN;
  if (!bin) {
    throw new Error('RPSIO_BIN is not set: build the server and point RPSIO_BIN at it, e.g.\n'
      + '  (cd /work/main && go build -o /tmp/rpsio-test/rpsio ./cmd/rpsio) && RPSIO_BIN=/tmp/rpsio-test/rpsio npm test');
  }
  const abs = path.resolve(bin);
  if (!fs.existsSync(abs)) throw new Error(`RPSIO_BIN=${bin} does not exist (build it: go build -o ${bin} ./cmd/rpsio)`);
  return abs;
}

// Starts a server; settings are Go durations ("1500ms", "2s"). Resolves with a handle whose
// shutdown() stops the process, and throws if it had died on its own before (a crash).
async function launch({ roundDuration = '3s', roundGap = '100ms', grace = '5s', extraArgs = [] } = {}) {
  const bin = binary();
  const args = ['--addr', '127.0.0.1:0', '--round-duration', roundDuration, '--round-gap', roundGap,
    '--reconnect-grace', grace, '--token-secret', 'test', ...extraArgs];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = track(child); // killed on process exit as a last resort
  let stderr = ''; // the tail, for failure messages
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-16384); });
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  let stopping = false;
  let crashed = null;
  const stop = async () => {
    stopping = true;
    await terminate(child, exited);
  };
  const shutdown = async () => {
    await stop();
    if (crashed) throw new Error(`rpsio exited during the tests (${crashed})\n--- stderr tail ---\n${stderr}`);
  };

  try {
    const addr = await listenAddress(child, args, () => stderr);
    child.once('exit', (code, signal) => { if (!stopping) crashed = `code ${code}, signal ${signal}`; });
    const m = /:(\d+)$/.exec(addr);
    if (!m) throw new Error(`cannot parse the port of listen address ${addr}`);
    const port = Number(m[1]);
    const url = `http://127.0.0.1:${port}`;
    const get = async (p) => {
      const res = await fetch(url + p, { signal: AbortSignal.timeout(5000) });
      return { status: res.status, body: await res.json() };
    };
    await waitUntil(async () => {
      try {
        const { status, body } = await get('/healthz');
        return status === 200 && body.ok === true;
      } catch {
        return false; // not up yet
      }
    }, { timeout: START_TIMEOUT_MS, what: `GET ${url}/healthz` });
    return {
      url,
      port,
      pid: child.pid,
      isAlive,
      shutdown,
      // Sends sig (e.g. 'SIGKILL', or 'SIGTERM' to test the drain) and resolves with the exit's
      // { code, signal }: an exit the test caused, so not reported as a crash by shutdown().
      async signal(sig) {
        stopping = true;
        if (isAlive()) child.kill(sig);
        return exited;
      },
      exited,
      stderr: () => stderr,
      // GET returning the parsed JSON body; fails on a non-200 status.
      async api(p) {
        const { status, body } = await get(p);
        if (status !== 200) throw new Error(`GET ${p}: status ${status}: ${JSON.stringify(body)}`);
        return body;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Resolves with the addr of the JSON log line {"msg":"rpsio listening","addr":"127.0.0.1:PORT"}.
function listenAddress(child, args, stderr) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const fail = (why) => {
      cleanup();
      reject(new Error(`rpsio ${why}; args: ${args.join(' ')}\n--- stderr ---\n${stderr()}`));
    };
    const timer = setTimeout(() => fail(`did not log "rpsio listening" within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const onData = (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let rec;
        try { rec = JSON.parse(line); } catch { continue; }
        if (rec.msg === 'rpsio listening' && typeof rec.addr === 'string') {
          cleanup();
          resolve(rec.addr);
          return;
        }
      }
    };
    const onExit = (code, signal) => fail(`exited early (code ${code}, signal ${signal})`);
    const onError = (err) => fail(`could not be started: ${err.message}`);
    function cleanup() {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

// Polls fn() (async) until it returns a truthy value: for HTTP state that has no event to wait on.
// The timeout only turns a hang into a readable failure.
async function waitUntil(fn, { timeout = 5000, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// One server for a test: stopped after it, pass or fail.
async function startServer(t, settings) {
  const server = await launch(settings);
  t.after(() => server.shutdown());
  return server;
}

// One server for the tests of the enclosing describe(): started before them, stopped after them.
// Returns a holder whose .server is set once started.
function useServer(settings) {
  const holder = { server: null };
  before(async () => { holder.server = await launch(settings); });
  after(async () => { if (holder.server) await holder.server.shutdown(); });
  return holder;
}

module.exports = { launch, startServer, useServer, waitUntil };
