'use strict';
// The original design's layout: nginx terminates TLS (deploy/nginx/templates-tls, a throwaway
// self-signed certificate), redirects HTTP to HTTPS, and forwards Socket.IO under the path
// prefix /applet/ws/socket.io/ to rpsio started with that --path. Players over wss:// and over
// https polling upgraded to wss:// play; /metrics parses through it. And the mini-program
// SDK's example, with its config.js, plays through nginx on that path.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');
const { startCluster, REPO } = require('./lib/cluster');
const { connect, pair, play, assertSteady } = require('./lib/player');
const { scrape, value, get } = require('./lib/metrics');

const PREFIX = '/applet/ws/socket.io/';

function handshake(port, ca, version) {
  return new Promise((resolve) => {
    const s = tls.connect({
      host: '127.0.0.1', port, ca, servername: 'localhost', minVersion: version, maxVersion: version,
      // Let the client offer old protocols at all, so that a refusal is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
    }, () => {
      const got = s.getProtocol();
      s.destroy();
      resolve(got);
    });
    s.on('error', (err) => resolve(`refused: ${err.code || err.message}`));
  });
}

test('TLS with the path prefix: wss:// and https polling-with-upgrade players play; HTTP redirects; old TLS refused', async (t) => {
  const c = await startCluster(t, { nodes: 1, tls: true, path: PREFIX, rpsio: ['--round-duration', '5s'] });
  assert.match(c.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const cert = c.cert;
  const opts = { path: PREFIX, cert };

  const a = await connect(t, c.url, { ...opts, name: 'ann', from: '127.0.4.2', mode: 'websocket' });
  const b = await connect(t, c.url, { ...opts, name: 'bob', from: '127.0.4.3', mode: 'websocket' });
  const d = await connect(t, c.url, { ...opts, name: 'cat', from: '127.0.4.4', mode: 'upgrade' });
  const e = await connect(t, c.url, { ...opts, name: 'dan', from: '127.0.4.5', mode: 'upgrade' });
  await Promise.all([d.upgraded(), e.upgraded()]);
  const [r1, r2] = [await pair(a, b), await pair(d, e)];
  await Promise.all([play(a, b, r1.round, 2), play(d, e, r2.round, 2)]);
  for (const p of [a, b, d, e]) assertSteady(p);

  const m = await scrape(c.url, { cert });
  assert.equal(value(m, 'rpsio_rounds_settled_total'), 4);
  assert.equal(value(m, 'rpsio_connections', { transport: 'websocket' }), 4);

  // Socket.IO lives under the prefix only.
  const hs = await get(`${c.url}${PREFIX}?EIO=4&transport=polling`, { cert });
  assert.equal(hs.status, 200);
  assert.match(hs.body, /^0\{"sid":/);
  assert.equal((await get(`${c.url}/socket.io/?EIO=4&transport=polling`, { cert })).status, 404);

  // Plain HTTP is redirected to HTTPS, path and query kept.
  const redirect = await get(`${c.redirect}${PREFIX}?EIO=4&transport=polling`);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, `${c.url}${PREFIX}?EIO=4&transport=polling`);

  // Modern protocols only.
  const ca = fs.readFileSync(cert);
  const port = Number(new URL(c.url).port);
  assert.equal(await handshake(port, ca, 'TLSv1.3'), 'TLSv1.3');
  assert.equal(await handshake(port, ca, 'TLSv1.2'), 'TLSv1.2');
  assert.match(await handshake(port, ca, 'TLSv1.1'), /^refused/);
  assert.match(await handshake(port, ca, 'TLSv1'), /^refused/);
});

// The example mini-program's logic (miniprogram-sdk/example/lib) with its config.js path, on the
// SDK over a fake wx (the SDK's own test helper, a WebSocket like WeChat's SocketTask), through
// nginx. Plain ws:// here: the fake wx cannot be given a test CA; the TLS path is proven above.
test('the mini-program example, configured for /applet/ws/socket.io, plays through nginx', async (t) => {
  const sdk = path.join(REPO, 'miniprogram-sdk');
  const config = require(path.join(sdk, 'example/config.js'));
  assert.equal(config.path, '/applet/ws/socket.io', 'the example is configured for the original layout');
  const io = require(path.join(sdk, 'src'));
  const { RpsClient } = require(path.join(sdk, 'example/lib/rps-client'));
  const { createFakeWx } = require(path.join(sdk, 'test/helpers/fake-wx'));

  const c = await startCluster(t, { nodes: 1, path: `${config.path}/`, rpsio: ['--round-duration', '5s'] });
  const url = c.url.replace(/^http/, 'ws');
  const clients = ['Ann', 'Bob'].map((name) => {
    const wx = createFakeWx();
    const client = new RpsClient({ io, url, name, wx, ioOptions: { path: config.path, reconnectionDelay: 100 } });
    t.after(() => { client.close(); wx.destroy(); });
    return client;
  });
  const waitFor = (client, event, pred = () => true) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${event}`)); }, 10000);
    const off = client.on(event, (arg) => {
      if (!pred(arg)) return;
      clearTimeout(timer);
      off();
      resolve(arg);
    });
  });
  await Promise.all(clients.map((cl) => (cl.status === 'connected' ? null : waitFor(cl, 'change', (x) => x.status === 'connected'))));
  const starts = clients.map((cl) => waitFor(cl, 'start'));
  const [roomA, roomB] = [await clients[0].join(2), await clients[1].join(2)];
  assert.equal(roomA.id, roomB.id);
  const [sa] = await Promise.all(starts);
  const results = clients.map((cl) => waitFor(cl, 'result', (r) => r.round === sa.round));
  await Promise.all([clients[0].choose('rock'), clients[1].choose('scissors')]);
  const [ra, rb] = await Promise.all(results);
  assert.deepEqual(ra, rb);
  assert.deepEqual(ra.moves[clients[0].me.playerId], 'rock');
});
