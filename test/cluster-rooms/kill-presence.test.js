'use strict';
// Presence is cluster-wide: kill -9 the node holding a player's only socket, and the others
// see that player connected: false within 5 s, then the reconnect grace runs out and frees
// the seat. A player with a socket on another node too stays connected.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, fillAcross, waitUntil } = require('./lib/cluster');
const { assertOk } = require('../rps/lib/client');

const NOTICE_MS = 5000;
const GRACE_MS = 3000;

it('kill -9 the node of a player\'s only socket: connected false within 5 s, then the grace runs', async (t) => {
  const c = await startCluster(t, { nodes: 3, roundDuration: '20s', roundGap: '200ms', grace: `${GRACE_MS}ms` });
  // a on node0, b on node1 (its only socket), d on node1 and node2.
  const { players: [a, b, d], roomId } = await fillAcross(c, [0, 1, 1], { prefix: 'ghost' });
  const d2 = await c.reconnect(c.nodes[2], d);
  await d2.next('room', (r) => r.id === roomId); // d's second socket is caught up: it counts

  const killedAt = Date.now();
  await c.nodes[1].signal('SIGKILL');

  // a (node0) sees b and... only b disconnected: d still has its socket on node2.
  const away = await a.nextEntry('room', (r) => r.players.some((p) => p.id === b.id && !p.connected), { timeout: NOTICE_MS + 5000 });
  assert.ok(away.at - killedAt <= NOTICE_MS, `b marked disconnected ${away.at - killedAt} ms after the kill (bound ${NOTICE_MS} ms)`);
  t.diagnostic(`b marked disconnected ${away.at - killedAt} ms after the kill`);
  assert.equal(away.data.state, 'playing', 'the seat is kept for the grace');
  for (const e of a.events.filter((x) => x.name === 'room' && x.at >= killedAt)) {
    const dd = e.data.players.find((p) => p.id === d.id);
    assert.ok(dd && dd.connected, `d, still on node2, never shows disconnected: ${JSON.stringify(e.data)}`);
  }
  // d's second socket sees the same.
  await d2.next('room', (r) => r.players.some((p) => p.id === b.id && !p.connected) && r.players.find((p) => p.id === d.id).connected);

  // The grace runs: b is removed after it (not before), the open round is cancelled.
  const gone = await a.nextEntry('room', (r) => !r.players.some((p) => p.id === b.id), { timeout: GRACE_MS + 8000 });
  assert.ok(gone.at - away.at >= GRACE_MS - 1000, `removed ${gone.at - away.at} ms after being marked away (grace ${GRACE_MS} ms)`);
  assert.deepEqual(gone.data.players.map((p) => [p.id, p.connected]), [[a.id, true], [d.id, true]], 'a and d remain, connected');
  assert.equal(gone.data.state, 'waiting', 'the room waits for a third player');
  for (const e of a.events.filter((x) => x.name === 'room' && x.at >= killedAt)) {
    const dd = e.data.players.find((p) => p.id === d.id);
    assert.ok(dd && dd.connected, `d never shows disconnected: ${JSON.stringify(e.data)}`);
  }
  // The cluster knows it lost a node: /api/stats counts 2 live nodes and only live sockets
  // (d's socket on node1 died with it: a's and d's on node2).
  for (const node of [c.nodes[0], c.nodes[2]]) {
    await waitUntil(async () => {
      const s = await node.api('/api/stats');
      return s.nodes === 2 && s.connections === 2 && s;
    }, { timeout: 10000, what: `${node.label}: /api/stats with 2 nodes and 2 connections` }).catch(async (err) => {
      assert.fail(`${err.message}: ${JSON.stringify(await node.api('/api/stats'))}`);
    });
  }

  // The freed seat is taken by a newcomer through node2.
  const e = await c.connect(c.nodes[2], { name: 'ghost-new', label: 'ghost-new@node2' });
  const joined = await e.join(3);
  assertOk(joined, 'a newcomer joins', ['room']);
  assert.equal(joined.room.id, roomId, 'the newcomer fills the freed seat');
  await Promise.all([a, d2, e].map((p) => p.next('start', (s) => s.roomId === roomId && s.round > 1)));
  for (const p of [a, d, d2, e]) p.assertClean();
});
