'use strict';
// Two rpsio nodes behind nginx (deploy/local-cluster.sh): long-polling sessions must keep
// reaching the node that holds them (hash $remote_addr consistent), an upgrade must reach it
// too, and WebSocket-only clients need no stickiness (least_conn spreads them even from one
// address).
//
// Players are paired by source address: the address hash puts both on one node, where they meet
// in a room even before rooms are shared between nodes (issue 8).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startCluster } = require('./lib/cluster');
const { connect, pair, play, assertSteady } = require('./lib/player');
const { scrape, value } = require('./lib/metrics');

const MIN_ADDRESSES = 4;
const MAX_ADDRESSES = 24;

async function perNode(c, name, labels) {
  return Promise.all(c.nodes.map(async (n) => value(await scrape(n.url), name, labels) || 0));
}

for (const mode of ['polling', 'upgrade']) {
  test(`${mode === 'polling' ? 'long-polling' : 'polling-then-upgrade'} players stick to their node across many requests`, async (t) => {
    const c = await startCluster(t, { nodes: 2, rpsio: ['--round-duration', '5s'] });
    const pairs = [];
    // Addresses until both nodes hold sessions (the hash decides which node an address gets).
    for (let i = 0; i < MAX_ADDRESSES; i++) {
      const from = `127.0.${mode === 'polling' ? 1 : 2}.${10 + i}`;
      const a = await connect(t, c.url, { name: `a${i}`, from, mode });
      const b = await connect(t, c.url, { name: `b${i}`, from, mode });
      if (mode === 'upgrade') await Promise.all([a.upgraded(), b.upgraded()]);
      pairs.push([a, b, await pair(a, b)]);
      const opened = await perNode(c, 'rpsio_connections_opened_total', { transport: 'polling' });
      if (pairs.length >= MIN_ADDRESSES && opened.every((n) => n > 0)) break;
    }
    const opened = await perNode(c, 'rpsio_connections_opened_total', { transport: 'polling' });
    assert.ok(opened.every((n) => n > 0), `${pairs.length} addresses all hashed to one node: ${opened}`);

    await Promise.all(pairs.map(([a, b, room]) => play(a, b, room.round, 2)));

    const players = pairs.flatMap(([a, b]) => [a, b]);
    for (const p of players) {
      assertSteady(p);
      assert.equal(p.socket.io.engine.transport.name, mode === 'polling' ? 'polling' : 'websocket', p.label);
    }
    // Exactly one Engine.IO session per player over both nodes: no request of a session went to
    // the other node (it would have answered "Session ID unknown" and the client reconnected).
    assert.equal(opened.reduce((x, y) => x + y, 0), players.length, `sessions opened per node: ${opened}`);
    const transport = mode === 'polling' ? 'polling' : 'websocket';
    const open = await perNode(c, 'rpsio_connections', { transport });
    assert.equal(open.reduce((x, y) => x + y, 0), players.length, `open ${transport} sessions per node: ${open}`);
    if (mode === 'upgrade') {
      const upgrades = await perNode(c, 'rpsio_upgrades_total');
      assert.equal(upgrades.reduce((x, y) => x + y, 0), players.length, `upgrades per node: ${upgrades}`);
    }
  });
}

test('WebSocket-only players need no stickiness: least_conn spreads them, even from one address', async (t) => {
  const c = await startCluster(t, { nodes: 2 });
  const players = [];
  for (let i = 0; i < 4; i++) players.push(await connect(t, c.url, { name: `w${i}`, from: '127.0.3.10', mode: 'websocket' }));
  const open = await perNode(c, 'rpsio_connections', { transport: 'websocket' });
  assert.deepEqual(open, [2, 2], `WebSocket sessions per node: ${open}`);
  const polling = await perNode(c, 'rpsio_connections_opened_total', { transport: 'polling' });
  assert.deepEqual(polling, [0, 0]);
  for (const p of players) assertSteady(p);
});
