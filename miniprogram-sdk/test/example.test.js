'use strict';
// The example mini-program's logic (example/lib), driven like its pages,
// through the fake wx: two players join a 2-player room, both choose, both
// receive the result. Against rpsio when RPSIO_BIN is set, and always
// against a small in-process mock of the /rps contract.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('child_process');
const http = require('http');
const net = require('net');
const io = require('../src');
const { RpsClient, gameView, lobbyView, beats } = require('../example/lib/rps-client');
const { lobbyPage, gamePage } = require('../example/lib/pages');
const { createFakeWx } = require('./helpers/fake-wx');
const { startMockRps } = require('./helpers/mock-rps');


function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => resolve(port));
    });
  });
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

// Starts $RPSIO_BIN on a free port; ready when GET /healthz answers 200.
async function startRpsio() {
  const port = await freePort();
  const proc = spawn(process.env.RPSIO_BIN, ['--addr', '127.0.0.1:' + port, '--round-duration', '2s', '--round-gap', '200ms'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-20000);
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const stop = () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      exited.then(() => clearTimeout(t));
    }
    return exited;
  };
  process.on('exit', () => proc.kill('SIGKILL'));
  const url = 'http://127.0.0.1:' + port;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error('rpsio exited early: ' + stderr);
    if ((await get(url + '/healthz')) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('rpsio not healthy within 15 s: ' + stderr);
    }
    await new Promise((r) => setTimeout(r, 50)); // poll interval for /healthz
  }
  return { url, stop };
}

// Everything a page needs, recording what it renders.
function pageEnv(client) {
  const env = {
    data: {},
    navigations: [],
    toasts: [],
    getClient: () => client,
    setData: (d) => Object.assign(env.data, d),
    navigateTo: (url) => env.navigations.push(url),
    toast: (msg) => env.toasts.push(msg),
  };
  return env;
}

function waitFor(client, event, predicate, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for ' + event));
    }, ms || 10000);
    const off = client.on(event, (arg) => {
      if (predicate && !predicate(arg)) return;
      clearTimeout(timer);
      off();
      resolve(arg);
    });
  });
}

function defineGameTests(name, start) {
  describe('example game logic against ' + name, () => {
    let server;
    const clients = [];
    const fakes = [];
    before(async () => {
      server = await start();
    });
    after(async () => {
      for (const c of clients) c.close();
      for (const wx of fakes) wx.destroy();
      if (server) await server.stop();
    });

    function newPlayer(playerName) {
      const wx = createFakeWx();
      fakes.push(wx);
      const client = new RpsClient({ io, url: server.url, name: playerName, wx, ioOptions: { reconnectionDelay: 100 } });
      clients.push(client);
      return client;
    }

    it('two players join a 2-player room, both choose, both receive the result', async () => {
      const ann = newPlayer('Ann');
      const bob = newPlayer('Bob');
      const [wa, wb] = await Promise.all([waitFor(ann, 'welcome'), waitFor(bob, 'welcome')]);
      assert.ok(wa.playerId && wa.token);
      assert.ok(wb.playerId && wb.token);
      assert.notEqual(wa.playerId, wb.playerId);

      // lobby pages: Play
      const lobbyA = pageEnv(ann);
      const lobbyB = pageEnv(bob);
      const la = lobbyPage(lobbyA);
      const lb = lobbyPage(lobbyB);
      la.onLoad();
      lb.onLoad();
      assert.equal(lobbyA.data.canPlay, true);
      assert.equal(lobbyView(ann).status, 'connected');
      la.onSizeChange(2);
      lb.onSizeChange(2);
      const startA = waitFor(ann, 'start');
      const startB = waitFor(bob, 'start');
      const roomA = await la.onPlay();
      const roomB = await lb.onPlay();
      assert.equal(roomA.id, roomB.id, 'both in the same room');
      assert.deepEqual(lobbyA.navigations, ['/pages/game/game']);
      la.onUnload();
      lb.onUnload();

      // game pages
      const gameA = pageEnv(ann);
      const gameB = pageEnv(bob);
      const ga = gamePage(gameA);
      const gb = gamePage(gameB);
      ga.onLoad();
      gb.onLoad();
      const [sa, sb] = await Promise.all([startA, startB]);
      assert.equal(sa.round, sb.round);
      assert.equal(sa.roomId, roomA.id);
      assert.ok(sa.duration > 0);
      const playing = () => ann.room && ann.room.state === 'playing' && ann.round;
      if (!playing()) await waitFor(ann, 'change', playing);
      assert.equal(gameView(ann).playing, true);
      assert.equal(gameView(ann).players.length, 2);

      const resultA = waitFor(ann, 'result', (r) => r.round === sa.round);
      const resultB = waitFor(bob, 'result', (r) => r.round === sb.round);
      await Promise.all([ga.onChoose('rock'), gb.onChoose('scissors')]);
      assert.equal(gameA.data.myMove, 'rock');
      const [ra, rb] = await Promise.all([resultA, resultB]);
      assert.equal(ra.roomId, roomA.id);
      assert.equal(ra.moves[wa.playerId], 'rock');
      assert.equal(ra.moves[wb.playerId], 'scissors');
      assert.deepEqual(rb.moves, ra.moves);
      assert.equal(ra.players.length, 2);
      const va = gameView(ann);
      const vb = gameView(bob);
      assert.equal(va.result.outcome, 'win');
      assert.equal(vb.result.outcome, 'lose');
      assert.equal(gameA.data.result.round, sa.round);
      assert.ok(beats('rock', 'scissors'));

      // a wrong move is refused by the client, a stale round by the server
      await assert.rejects(ann.choose('lizard'), /unknown move/);
      ga.onUnload();
      gb.onUnload();
    });

    it('a stale or forged token is dropped and a new identity obtained', async () => {
      const wx = createFakeWx();
      fakes.push(wx);
      const saved = [];
      const client = new RpsClient({ io, url: server.url, name: 'Dee', token: 'forged.token', wx, onToken: (t) => saved.push(t) });
      clients.push(client);
      const w = await waitFor(client, 'welcome');
      assert.ok(w.playerId);
      assert.notEqual(w.token, 'forged.token');
      assert.equal(saved[saved.length - 1], w.token);
      assert.equal(client.status, 'connected');
    });

    it('a player keeps their identity across a reconnection (token in auth)', async () => {
      const cam = newPlayer('Cam');
      const w1 = await waitFor(cam, 'welcome');
      const wx = fakes[fakes.length - 1];
      const again = waitFor(cam, 'welcome');
      wx.closeAll(1006);
      const w2 = await again;
      assert.equal(w2.playerId, w1.playerId);
      assert.equal(w2.token, w1.token);
    });
  });
}

defineGameTests('a mock of the /rps contract (socket.io)', () => startMockRps({ duration: 2000, gap: 200 }));

if (process.env.RPSIO_BIN) {
  defineGameTests('rpsio (RPSIO_BIN)', startRpsio);
} else {
  it('example game logic against rpsio (RPSIO_BIN)', (t) => {
    t.skip('RPSIO_BIN is not set: build cmd/rpsio and set RPSIO_BIN to run the example against the real server');
  });
}

