'use strict';
// SIGTERM a node mid-game (a deploy, a scale-down): it closes its clients' Engine.IO sessions
// without a Socket.IO DISCONNECT (so socket.io-client would reconnect, through the load
// balancer, to another node) and exits; nothing is lost: the move its player made before is
// kept, the round it held the timer of is settled once by another node, the player comes back
// through the other node with seat and totals, and play goes on.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, fillAcross, resultsOf } = require('./lib/cluster');
const { assertOk } = require('../rps/lib/client');
const { resultOf, chooseAll } = require('../rps/lib/game');
const { settle } = require('../rps/lib/rules');

const ROUND_MS = 4000;
const BOUND_MS = 2000;
const DRAIN_MS = 5000;

it('SIGTERM a node mid-round: clients told to reconnect, the move kept, the round settled once, play goes on', async (t) => {
  const c = await startCluster(t, { nodes: 2, roundDuration: `${ROUND_MS}ms`, roundGap: '300ms', grace: '15s', drainTimeout: `${DRAIN_MS}ms` });
  const [keep, leaving] = c.nodes;
  const { players: [a, b], roomId, room } = await fillAcross(c, [0, 1], { prefix: 'term' });
  let standing = room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));

  // Round 1, b last through node1: b wins (total 1, streak 1); node1 settles and opens round 2.
  await chooseAll([a, b], 1, ['paper', null]);
  await b.next('chosen', (x) => x.playerId === a.id);
  await chooseAll([a, b], 1, [null, 'scissors']);
  const r1 = (await resultOf([a, b], 1)).result;
  standing = settle(standing, r1.moves);
  assert.deepEqual(r1.players, standing, 'round 1');

  // Round 2: b chooses through node1 (its last change), then node1 is told to stop.
  const start2 = await a.next('start', (s) => s.round === 2);
  await b.next('start', (s) => s.round === 2);
  assertOk(await b.choose(2, 'rock'), 'b chooses in round 2');
  await a.next('chosen', (x) => x.round === 2 && x.playerId === b.id);
  const termAt = Date.now();
  const exit = leaving.signal('SIGTERM');

  // b's session is closed at the Engine.IO level: not "io server disconnect", after which
  // socket.io-client would not reconnect.
  const reason = await b.next('disconnect', undefined, { timeout: DRAIN_MS + 2000 });
  assert.ok(['transport close', 'transport error'].includes(reason), `b's socket ended with "${reason}", want an Engine.IO close`);
  const b2 = await c.reconnect(keep, b);
  const caught = await b2.next('room');
  assert.equal(caught.id, roomId, 'b is back in its room');
  assert.deepEqual(caught.players.map((p) => [p.id, p.total, p.streak]), standing.map((s) => [s.id, s.total, s.streak]), 'with the totals');
  assert.deepEqual(await b2.next('start'), start2, 'and round 2, still open, same deadline');

  const { code, signal } = await exit;
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'node1 drained and exited cleanly');
  assert.ok(Date.now() - termAt <= DRAIN_MS + 2000, `node1 exited ${Date.now() - termAt} ms after SIGTERM (drain timeout ${DRAIN_MS} ms)`);

  // a does not choose: round 2 is settled at its deadline by node0 (node1 armed its timer and
  // is gone), with b's move from before the SIGTERM.
  const r2 = await a.nextEntry('result', (r) => r.round === 2, { timeout: ROUND_MS + BOUND_MS + 5000 });
  assert.ok(r2.at >= start2.deadline && r2.at <= start2.deadline + BOUND_MS, `round 2 settled ${r2.at - start2.deadline} ms after its deadline`);
  t.diagnostic(`round 2 settled ${r2.at - start2.deadline} ms after its deadline; node1 exited ${code} after SIGTERM`);
  assert.deepEqual(r2.data.moves, { [a.id]: null, [b.id]: 'rock' }, 'b\'s move survived the node');
  standing = settle(standing, r2.data.moves);
  assert.deepEqual(r2.data.players, standing, 'round 2');
  assert.deepEqual((await b2.nextEntry('result', (r) => r.round === 2)).data, r2.data, 'b (back) gets the same result');

  // Round 3, both on node0.
  await Promise.all([a, b2].map((p) => p.next('start', (s) => s.round === 3)));
  await chooseAll([a, b2], 3, ['scissors', 'rock']);
  const r3 = (await resultOf([a, b2], 3)).result;
  standing = settle(standing, r3.moves);
  assert.deepEqual(r3.players, standing, 'round 3');
  assert.deepEqual(r3.players.find((p) => p.id === b.id), { id: b.id, x: 1, streak: 3, score: 3, total: 6 }, 'b\'s streak ran through the shutdown');

  // Nothing lost, nothing twice: one result per round for a, and for b over its two sockets.
  for (const round of [1, 2, 3]) {
    assert.equal(resultsOf([a], roomId, round).length, 1, `a: one result of round ${round}`);
    assert.equal(resultsOf([b, b2], roomId, round).length, 1, `b: one result of round ${round} over both sockets`);
  }
  assert.equal((await keep.api('/api/stats')).roundsSettled, 3, 'the cluster counted 3 rounds');
  for (const p of [a, b, b2]) p.assertClean();
});
