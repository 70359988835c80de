'use strict';
// The example mini-program's logic (example/lib), driven like its pages,
// through the fake wx: two players join a 2-player room, both choose, both
// receive the result. Against rpsio when RPSIO_BIN is set, and always
// against a small in-process mock of the /rps contract. The gold page
// (example/lib/gold-client.js) plays whole games against rpsio only.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('child_process');
const http = require('http');
const net = require('net');
const io = require('../src');
const { RpsClient, gameView, lobbyView, beats } = require('../example/lib/rps-client');
const { lobbyPage, gamePage, goldPage } = require('../example/lib/pages');
const { GoldClient, goldView, listRooms, httpUrl } = require('../example/lib/gold-client');
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

// Starts $RPSIO_BIN on a free port (with extra flags); ready when GET
// /healthz answers 200.
async function startRpsio(extraArgs) {
  const port = await freePort();
  const args = ['--addr', '127.0.0.1:' + port, '--round-duration', '2s', '--round-gap', '200ms'].concat(extraArgs || []);
  const proc = spawn(process.env.RPSIO_BIN, args, {
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
  return { url, stop, stderr: () => stderr };
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

// ---- the gold page: a 3×3 board with 2 gold, against the real server

const GOLD_FLAGS = ['--gold-width', '3', '--gold-height', '3', '--gold-count', '2', '--gold-turn', '30s'];

// Resolves once predicate(client) holds, checked on every change.
function until(client, predicate, label, ms) {
  if (predicate(client)) return Promise.resolve();
  return waitFor(client, 'change', () => predicate(client), ms).catch(() => {
    throw new Error('timed out waiting until ' + label);
  });
}

function defineGoldTests() {
  describe('example gold page against rpsio (RPSIO_BIN)', () => {
    let server;
    const clients = [];
    const fakes = [];
    const pages = [];
    before(async () => {
      server = await startRpsio(GOLD_FLAGS);
    });
    after(async () => {
      for (const p of pages) p.onUnload();
      for (const c of clients) c.close();
      for (const wx of fakes) wx.destroy();
      if (server) await server.stop();
    });

    function newGold(playerName) {
      const wx = createFakeWx();
      fakes.push(wx);
      const client = new GoldClient({ io, url: server.url, name: playerName, wx, ioOptions: { reconnectionDelay: 100 } });
      clients.push(client);
      return { client, wx };
    }

    function openGoldPage(client, wx) {
      const env = pageEnv(client);
      env.url = server.url.replace(/^http/, 'ws'); // as config.js has it: the page derives the HTTP URL
      env.request = (params) => wx.request(params);
      const page = goldPage(env);
      pages.push(page);
      return { env, page };
    }

    // Every dig is followed by `turn` (the next player) or `over`.
    function nextTurn(client, turns) {
      return until(client, (c) => c.over || c.turns > turns, 'the next turn or the end');
    }

    it('two players find the room in the lobby, take turns, get each error, reconnect and play to over', async () => {
      const A = newGold('Ann');
      const B = newGold('Bob');
      const ann = A.client;
      const bob = B.client;
      const [wa, wb] = await Promise.all([waitFor(ann, 'welcome'), waitFor(bob, 'welcome')]);
      const dugLog = { ann: [], bob: [] };
      ann.on('dug', (d) => dugLog.ann.push(d));
      bob.on('dug', (d) => dugLog.bob.push(d));

      // Ann opens a 2-player room from the gold page.
      const pa = openGoldPage(ann, A.wx);
      await pa.page.onLoad();
      pa.page.onSizeChange(2);
      const room = await pa.page.onPlay();
      assert.equal(room.size, 2);
      assert.equal(pa.env.data.inRoom, true);
      assert.equal(pa.env.data.roomState, 'waiting');
      assert.equal(pa.env.data.turnText, 'Waiting for players (1/2)');

      // Bob's gold page lists it (GET /api/rooms?game=gold through wx.request) and joins it.
      const pb = openGoldPage(bob, B.wx);
      const listed = await pb.page.onLoad();
      assert.deepEqual(listed.filter((r) => r.id === room.id).map((r) => [r.size, r.players, r.state]), [[2, 1, 'waiting']]);
      const row = pb.env.data.rooms.find((r) => r.id === room.id);
      assert.equal(row.canJoin, true);
      assert.equal(row.text, '1/2 · waiting');
      assert.equal(pb.env.data.inRoom, false);
      await assert.rejects(bob.dig(0, 0), (err) => err.code === 'not_in_room');
      const joined = await pb.page.onJoinRoom(row.id, row.size);
      assert.equal(joined.id, room.id);

      const playing = (c) => c.state() === 'playing' && c.board && c.board.width > 0 && c.board.turn;
      await Promise.all([until(ann, playing, 'Ann plays'), until(bob, playing, 'Bob plays')]);
      for (const c of [ann, bob]) {
        assert.equal(c.board.width, 3);
        assert.equal(c.board.height, 3);
        assert.equal(c.board.total, 2);
        assert.equal(c.board.remaining, 2);
        assert.deepEqual(c.board.cells, {}, 'nothing is open at the start');
        assert.equal(c.board.turn.playerId, wa.playerId, 'the first seat digs first');
        assert.ok(c.board.turn.deadline > Date.now());
      }
      let va = goldView(ann);
      const vb = goldView(bob);
      assert.equal(va.myTurn, true);
      assert.equal(va.turnText, 'Your turn: dig a cell');
      assert.equal(vb.myTurn, false);
      assert.equal(vb.turnText, 'Ann’s turn');
      assert.ok(vb.secondsLeft > 20 && vb.secondsLeft <= 30);
      assert.deepEqual(va.rows.map((r) => r.cells.map((c) => c.state).join(' ')), ['closed closed closed', 'closed closed closed', 'closed closed closed']);
      assert.deepEqual(va.players.map((p) => [p.name, p.score, p.turn]), [['Ann (you)', 0, true], ['Bob', 0, false]]);

      // The errors of dig, through the pages (which show them as toasts) and the client.
      await assert.rejects(pb.page.onDig(0, 0), (err) => err.code === 'not_your_turn');
      assert.equal(pb.env.toasts.length, 1);
      await assert.rejects(ann.dig(3, 0), (err) => err.code === 'out_of_bounds');
      await assert.rejects(ann.dig(0, -1), (err) => err.code === 'out_of_bounds');
      await assert.rejects(ann._request('dig', { x: 'a', y: 0 }), (err) => err.code === 'bad_request');

      const score = { [wa.playerId]: 0, [wb.playerId]: 0 };
      const byId = { [wa.playerId]: { client: ann, page: pa.page }, [wb.playerId]: { client: bob, page: pb.page } };
      // One dig by whoever holds the turn, on the first closed cell; resolves
      // when both players have seen it and the turn that follows.
      async function digOnce() {
        const holder = ann.board.turn.playerId;
        const { client, page } = byId[holder];
        const closed = goldView(client).rows.flatMap((r) => r.cells).filter((c) => c.state === 'closed');
        const cell = closed[0];
        const turns = [ann.turns, bob.turns];
        const dugBefore = [dugLog.ann.length, dugLog.bob.length];
        await page.onDig(cell.x, cell.y);
        await Promise.all([nextTurn(ann, turns[0]), nextTurn(bob, turns[1])]);
        const d = dugLog.ann[dugBefore[0]];
        assert.deepEqual(dugLog.bob[dugBefore[1]], d, 'both players get the same dug');
        assert.equal(d.by, holder);
        assert.deepEqual([d.x, d.y], [cell.x, cell.y]);
        if (d.gold) score[holder]++;
        else assert.ok(d.opened.some((o) => o.x === cell.x && o.y === cell.y && o.value >= 0 && o.value <= 2));
        if (!ann.over) assert.notEqual(ann.board.turn.playerId, holder, 'the turn passed');
        return { holder, cell };
      }

      // Ann digs; she may not dig again before Bob; Bob may not dig an open cell.
      const first = await digOnce();
      assert.equal(first.holder, wa.playerId);
      if (!ann.over) {
        const stillClosed = goldView(ann).rows.flatMap((r) => r.cells).find((c) => c.state === 'closed');
        await assert.rejects(ann.dig(stillClosed.x, stillClosed.y), (err) => err.code === 'not_your_turn');
        await assert.rejects(bob.dig(first.cell.x, first.cell.y), (err) => err.code === 'already_open');
        const second = await digOnce();
        assert.equal(second.holder, wb.playerId);
      }

      // Bob's connection drops (as when WeChat closes the SocketTask): the SDK
      // reconnects with his token, the server gives him his seat and the board back.
      if (!ann.over) {
        const welcomeAgain = waitFor(bob, 'welcome');
        const boardAgain = waitFor(bob, 'board');
        B.wx.closeAll(1006);
        boardAgain.catch(() => {}); // not sent to a recovered session
        const w2 = await welcomeAgain;
        assert.equal(w2.playerId, wb.playerId);
        // A recovered session (connection state recovery, on in rpsio) gets the events it
        // missed and no catch-up; a new session gets the board again.
        if (!bob.socket.recovered) await boardAgain;
        await until(bob, (c) => c.board && c.board.remaining === ann.board.remaining, 'Bob has the board');
        assert.equal(bob.room.id, room.id);
        assert.deepEqual(bob.board.cells, ann.board.cells);
        assert.deepEqual(bob.board.scores, ann.board.scores);
        assert.equal(bob.board.remaining, ann.board.remaining);
        await until(ann, (c) => c.room.players.every((p) => p.connected), 'Ann sees Bob back');
      }

      // Play on until all the gold is dug.
      for (let moves = 0; !ann.over; moves++) {
        assert.ok(moves < 9, 'a 3×3 board is dug out within 9 digs');
        await digOnce();
      }
      await until(bob, (c) => c.over, 'Bob sees the end');
      const total = score[wa.playerId] + score[wb.playerId];
      assert.equal(total, 2);
      const best = Math.max(score[wa.playerId], score[wb.playerId]);
      const winners = Object.keys(score).filter((id) => score[id] === best).sort();
      for (const c of [ann, bob]) {
        assert.deepEqual(c.over.scores, score, 'the final scores are the gold each dug');
        assert.deepEqual(c.over.winners.slice().sort(), winners);
        assert.equal(c.board.remaining, 0);
        const golds = Object.values(c.board.cells).filter((x) => x.gold);
        assert.equal(golds.length, 2);
        assert.deepEqual(c.board.scores, score);
        await until(c, (x) => x.room.state === 'over', 'the room is over');
      }
      va = goldView(ann);
      assert.equal(va.roomState, 'over');
      assert.equal(va.turnText, 'Game over');
      assert.deepEqual(va.over.winners.slice().sort(), winners);
      assert.equal(va.over.won, winners.includes(wa.playerId));
      assert.deepEqual(va.over.lines.map((l) => l.text).sort(), ['Ann: ' + score[wa.playerId] + ' gold', 'Bob: ' + score[wb.playerId] + ' gold']);
      assert.deepEqual(pa.env.data.over, va.over, 'the page shows the result');
      assert.equal(va.rows.flatMap((r) => r.cells).filter((c) => c.state === 'gold').length, 2);
      // A cell still closed when the last gold was dug (a 0 flood-fills, so
      // one usually is) can no longer be dug.
      const closedLeft = va.rows.flatMap((r) => r.cells).find((c) => c.state === 'closed');
      if (closedLeft) await assert.rejects(ann.dig(closedLeft.x, closedLeft.y), (err) => err.code === 'game_over');

      // The lobby shows the room over; leaving takes Ann back to the list.
      const after = await listRooms(A.wx.request, server.url);
      assert.deepEqual(after.filter((r) => r.id === room.id).map((r) => r.state), ['over']);
      await pa.page.onLeave();
      assert.equal(ann.room, null);
      assert.equal(pa.env.data.inRoom, false);
      await assert.rejects(ann.dig(0, 0), (err) => err.code === 'not_in_room');
    });

    it('the gold client shares the RPS client\'s SocketTask and identity; the lobby needs only HTTP', async () => {
      const wx = createFakeWx();
      fakes.push(wx);
      const rps = new RpsClient({ io, url: server.url, name: 'Eve', wx });
      clients.push(rps);
      const w = await waitFor(rps, 'welcome');
      const gold = new GoldClient({ manager: rps.socket.io, name: rps.me.name, token: rps.me.token });
      clients.push(gold);
      const wg = await waitFor(gold, 'welcome');
      assert.equal(wg.playerId, w.playerId, 'one player on both namespaces');
      assert.equal(wx.liveTasks().length, 1, 'one SocketTask for /rps and /gold');
      const r = await gold.join({ size: 3 });
      assert.equal(r.size, 3);
      assert.equal(gold.state(), 'waiting');
      const rooms = await listRooms(wx.request, server.url.replace(/^http/, 'ws'));
      assert.deepEqual(rooms.filter((x) => x.id === r.id).map((x) => [x.size, x.players, x.state]), [[3, 1, 'waiting']]);
      // One seat per game: asking again gives the same room.
      assert.equal((await gold.join({ size: 2 })).id, r.id);
      await gold.leave();
      assert.equal(httpUrl('wss://rps.example.com/'), 'https://rps.example.com');
      assert.equal(httpUrl('ws://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    });
  });
}

// The mini-program's files fit together: every page in app.json has its
// four files, and every handler its WXML binds exists in its Page().
it('example app.json pages exist and their WXML handlers are defined', () => {
  const fs = require('fs');
  const path = require('path');
  const root = path.join(__dirname, '..', 'example');
  const app = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
  assert.ok(app.pages.includes('pages/gold/gold'), 'the gold page is registered');
  for (const page of app.pages) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      assert.ok(fs.existsSync(path.join(root, page + '.' + ext)), page + '.' + ext + ' exists');
    }
    JSON.parse(fs.readFileSync(path.join(root, page + '.json'), 'utf8'));
    const wxml = fs.readFileSync(path.join(root, page + '.wxml'), 'utf8');
    const js = fs.readFileSync(path.join(root, page + '.js'), 'utf8');
    const handlers = Array.from(wxml.matchAll(/bind(?:tap|change)="([A-Za-z]+)"/g), (m) => m[1]);
    for (const h of handlers) assert.match(js, new RegExp('\\n  ' + h + '\\('), page + ' defines ' + h);
  }
  const lobby = fs.readFileSync(path.join(root, 'pages/lobby/lobby.wxml'), 'utf8');
  assert.match(lobby, /bindtap="onGold"/, 'the lobby leads to the gold page');
  const nav = [];
  lobbyPage({ getClient: () => ({ on: () => () => {}, me: {} }), setData() {}, navigateTo: (u) => nav.push(u) }).onGold();
  assert.deepEqual(nav, ['/pages/gold/gold']);
});

defineGameTests('a mock of the /rps contract (socket.io)', () => startMockRps({ duration: 2000, gap: 200 }));

if (process.env.RPSIO_BIN) {
  defineGameTests('rpsio (RPSIO_BIN)', startRpsio);
  defineGoldTests();
} else {
  it('example game logic against rpsio (RPSIO_BIN)', (t) => {
    t.skip('RPSIO_BIN is not set: build cmd/rpsio and set RPSIO_BIN to run the example against the real server');
  });
  it('example gold page against rpsio (RPSIO_BIN)', (t) => {
    t.skip('RPSIO_BIN is not set: build cmd/rpsio and set RPSIO_BIN to run the gold page against the real server');
  });
}

