'use strict';
// Leaving: a player who leaves mid-game is removed from the turn order (their gold stays theirs);
// after "over" the room stays over until its players leave; a new join then gives a new room.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startGold, fillRoom, digNext } = require('./lib/game');
const { assertOk, assertError } = require('./lib/client');

it('leaving mid-game removes the player from the turn order', async (t) => {
  const server = await startGold(t, { width: 5, height: 4, count: 5, turn: '10s' });
  const { players: [a, b, c], roomId, board } = await fillRoom(t, server, 3, { prefix: 'quit' });
  let { next } = await digNext([a, b, c], board.turn, { width: 5, height: 4 });
  assert.equal(next.playerId, b.id);
  // b leaves during their own turn: room (b gone), then c's turn at once.
  assertOk(await b.leave(), 'b leaves');
  const room = await a.next('room', (r) => r.players.length === 2);
  assert.deepEqual(room.players.map((p) => p.id), [a.id, c.id]);
  assert.equal(room.state, 'playing');
  next = await a.next('turn');
  assert.equal(next.playerId, c.id);
  await c.next('turn', (tu) => tu.playerId === c.id);
  // From now on a and c alternate; b's dig is not_in_room.
  assertError(await b.dig(0, 0), 'not_in_room', 'b after leaving');
  const order = [];
  while (next) {
    order.push(next.playerId);
    ({ next } = await digNext([a, c], next, { width: 5, height: 4 }));
  }
  assert.deepEqual(order.slice(0, 4), [c.id, a.id, c.id, a.id], 'a and c alternate');
  const over = await a.next('over');
  assert.ok(b.id in over.scores, 'b\'s score stays in the scores');
  assert.ok(!over.winners.includes(b.id), 'b cannot win after leaving');
  await c.next('room', (r) => r.state === 'over');

  // Over: the room stays, join returns it, until the player leaves.
  const again = await a.join({});
  assert.equal(again.room.id, roomId, 'join while seated in an over room returns it');
  assert.equal(again.room.state, 'over');
  assertOk(await a.leave(), 'a leaves');
  const fresh = await a.join({ room: roomId });
  assertOk(fresh, 'a joins again', ['room']);
  assert.notEqual(fresh.room.id, roomId, 'an over room takes nobody: a new room');
  assert.equal(fresh.room.state, 'waiting');
  // The last player leaving deletes the over room.
  assertOk(await c.leave(), 'c leaves');
  assert.ok(!(await server.api('/api/rooms?game=gold')).rooms.some((r) => r.id === roomId), 'the empty room is gone');
  for (const p of [a, b, c]) p.assertClean();
});
