'use strict';
// A player whose socket drops comes back through the other node with the token: within the
// reconnect grace they keep the seat, the totals and the streak, and are caught up (room, and
// start of the open round); after the grace the seat is gone, the identity stays.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, fillAcross } = require('./lib/cluster');
const { assertOk, assertError } = require('../rps/lib/client');
const { resultOf, chooseAll } = require('../rps/lib/game');
const { settle } = require('../rps/lib/rules');

const GRACE_MS = 2500;

it('back through the other node within the grace keeps seat and totals; after the grace loses it', async (t) => {
  const c = await startCluster(t, { nodes: 2, roundDuration: '10s', roundGap: '200ms', grace: `${GRACE_MS}ms` });
  // b sits first (seat 0) on node1, a on node0.
  const { players: [b, a], roomId, room } = await fillAcross(c, [1, 0], { prefix: 'back' });
  let standing = room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));

  // Two rounds won by b: total 1 + 2 = 3, streak 2.
  for (const [round, moves] of [[1, ['rock', 'scissors']], [2, ['paper', 'rock']]]) {
    if (round > 1) await Promise.all([a, b].map((p) => p.next('start', (s) => s.round === round)));
    await chooseAll([b, a], round, moves);
    const { result } = await resultOf([a, b], round);
    standing = settle(standing, result.moves);
    assert.deepEqual(result.players, standing, `round ${round}`);
  }
  assert.deepEqual(standing.map((s) => [s.total, s.streak]), [[3, 2], [0, 0]], 'b: total 3, streak 2');
  const start3 = await a.next('start', (s) => s.round === 3);
  await b.next('start', (s) => s.round === 3);

  // b's only socket (on node1) closes: a, on node0, sees b disconnected, seat and totals kept.
  b.close();
  const away = await a.next('room', (r) => r.players.some((p) => p.id === b.id && !p.connected));
  assert.deepEqual(away, {
    id: roomId,
    size: 2,
    state: 'playing',
    round: 3,
    players: [
      { id: b.id, name: 'back-1', connected: false, total: 3, streak: 2 },
      { id: a.id, name: 'back-2', connected: true, total: 0, streak: 0 },
    ],
  }, 'a sees b away, seat kept');

  // b comes back through node0 with the token: the seat, the totals, the open round.
  const b2 = await c.reconnect(c.nodes[0], b);
  const back = { ...away, players: away.players.map((p) => ({ ...p, connected: true })) };
  assert.deepEqual(await b2.next('room'), back, 'the returning socket gets the room with its totals');
  assert.deepEqual(await b2.next('start'), start3, 'and the open round\'s start, same deadline');
  assert.deepEqual(await a.next('room', (r) => r.players.every((p) => p.connected)), back, 'a sees b back');
  const again = await b2.join(2);
  assertOk(again, 'join while seated', ['room']);
  assert.equal(again.room.id, roomId, 'join while seated: the same room');

  // Round 3 through the new node: b wins again, streak 3.
  await chooseAll([b2, a], 3, ['scissors', 'paper']);
  const r3 = (await resultOf([a, b2], 3)).result;
  standing = settle(standing, r3.moves);
  assert.deepEqual(r3.players, standing, 'round 3');
  assert.deepEqual(r3.players.find((p) => p.id === b.id), { id: b.id, x: 1, streak: 3, score: 3, total: 6 }, 'b\'s streak went on');

  // b drops again, now from node0, and stays away past the grace: the seat goes.
  await Promise.all([a, b2].map((p) => p.next('start', (s) => s.round === 4)));
  b2.close();
  const away2 = await a.nextEntry('room', (r) => r.players.some((p) => p.id === b.id && !p.connected));
  const gone = await a.nextEntry('room', (r) => !r.players.some((p) => p.id === b.id), { timeout: GRACE_MS + 8000 });
  assert.ok(gone.at - away2.at >= GRACE_MS - 1000, `removed after the grace, not before (${gone.at - away2.at} ms)`);
  assert.deepEqual(gone.data, {
    id: roomId,
    size: 2,
    state: 'waiting',
    round: 4,
    players: [{ id: a.id, name: 'back-2', connected: true, total: 0, streak: 0 }],
  }, 'the room after the grace');
  assertError(await a.choose(4, 'rock'), 'round_closed', 'round 4 was cancelled');

  // Through node1 again: the same identity, no seat; join seats b afresh with nothing carried.
  const b3 = await c.reconnect(c.nodes[1], b);
  assertError(await b3.choose(4, 'rock'), 'not_in_room', 'no seat any more');
  const joined = await b3.join(2);
  assertOk(joined, 'b joins again', ['room']);
  assert.equal(joined.room.id, roomId, 'the oldest waiting room of that size: a\'s');
  assert.deepEqual(joined.room.players, [
    { id: a.id, name: 'back-2', connected: true, total: 0, streak: 0 },
    { id: b.id, name: 'back-1', connected: true, total: 0, streak: 0 },
  ], 'a new seat, after a, totals from zero');
  const s5 = await b3.next('start');
  await a.next('start', (s) => s.round === s5.round);
  for (const p of [a, b, b2, b3]) p.assertClean();
});
