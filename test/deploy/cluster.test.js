'use strict';
// Rooms across nodes through nginx: players on different nodes meet in one room; SIGTERM the
// node of one of them mid-round and the round is still settled, once, with both seats kept.
// They rely on rooms shared between nodes through Redis (cluster mode, issue 8).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startCluster, alive } = require('./lib/cluster');
const { connect, pair, play } = require('./lib/player');
const { scrape, value } = require('./lib/metrics');

// Two WebSocket players from one address: least_conn puts them on different nodes.
async function twoNodesTwoPlayers(t, c) {
  const a = await connect(t, c.url, { name: 'ann', from: '127.0.6.10', mode: 'websocket' });
  const b = await connect(t, c.url, { name: 'bob', from: '127.0.6.10', mode: 'websocket' });
  const per = await Promise.all(c.nodes.map(async (n) => value(await scrape(n.url), 'rpsio_namespace_sockets', { namespace: '/rps' })));
  assert.deepEqual(per, [1, 1], `players per node: ${per}`);
  return [a, b];
}

test('players on different nodes are matched into one room and play rounds through nginx', async (t) => {
  const c = await startCluster(t, { nodes: 2, rpsio: ['--round-duration', '5s'] });
  const [a, b] = await twoNodesTwoPlayers(t, c);
  const room = await pair(a, b);
  await play(a, b, room.round, 3);
  // Each result arrived once per player.
  for (const p of [a, b]) {
    const rounds = p.log.filter((x) => x.type === 'event' && x.name === 'result').map((x) => x.data.round);
    assert.deepEqual(rounds, [room.round, room.round + 1, room.round + 2], `${p.label} results`);
  }
  // The store's counter is the cluster's: every node reports the same.
  const settled = await Promise.all(c.nodes.map(async (n) => value(await scrape(n.url), 'rpsio_rounds_settled_total')));
  assert.deepEqual(settled, [3, 3]);
});

test('SIGTERM a node mid-round: its player reconnects to the other node, keeps the seat and the move, and the round is settled once', async (t) => {
  const c = await startCluster(t, { nodes: 2, rpsio: ['--round-duration', '8s', '--reconnect-grace', '10s'] });
  const [a, b] = await twoNodesTwoPlayers(t, c);
  const room = await pair(a, b);
  const r = room.round;
  // a's move is in before the drain; it must survive whichever node goes.
  assert.equal((await a.ack('choose', { round: r, move: 'rock' })).ok, true);

  const victim = c.nodes[0];
  process.kill(victim.pid, 'SIGTERM');
  const deadline = Date.now() + 10000;
  while (alive(victim.pid)) {
    assert.ok(Date.now() < deadline, 'the node did not exit');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const movers = [a, b].filter((p) => p.count('disconnect') > 0);
  assert.equal(movers.length, 1, 'exactly the drained node\'s player was disconnected');
  const [mover] = movers;
  const d = await mover.disconnected();
  assert.equal(d.data, 'transport close');
  const rc = await mover.take('reconnect', (x) => x.type === 'connect' && mover.log.indexOf(x) > mover.log.indexOf(d), 'the reconnection', 10000);
  // Seat kept: the room comes back, after the reconnection, with the mover seated and connected,
  // still playing round r. (Earlier "room" events match too: in cluster mode the join that fills
  // a room sends one at the seat, then one with the start.)
  const { data: back } = await mover.take('room after the reconnection', (x) => x.type === 'event' && x.name === 'room' &&
    mover.log.indexOf(x) > mover.log.indexOf(rc) && x.data.id === room.roomId &&
    x.data.players.some((p) => p.id === mover.id && p.connected), 'the room after the reconnection', 10000);
  assert.equal(back.state, 'playing');
  assert.equal(back.round, r);

  assert.equal((await b.ack('choose', { round: r, move: 'scissors' })).ok, true);
  const [ra, rb] = await Promise.all([a.next('result', (x) => x.round === r), b.next('result', (x) => x.round === r)]);
  assert.deepEqual(ra, rb);
  assert.equal(ra.moves[a.id], 'rock', 'the move made before the drain was kept');
  assert.equal(ra.moves[b.id], 'scissors');
  // Once: by the next round's start no second result of round r arrived.
  await Promise.all([a.next('start', (s) => s.round === r + 1), b.next('start', (s) => s.round === r + 1)]);
  for (const p of [a, b]) {
    assert.equal(p.log.filter((x) => x.type === 'event' && x.name === 'result' && x.data.round === r).length, 1, `${p.label}: results of round ${r}`);
  }
  await play(a, b, r + 1, 1);
});
