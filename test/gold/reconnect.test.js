'use strict';
// Disconnection: the seat is kept for the grace, the others see connected false, the player's
// turns pass at once; coming back with the token gives the same seat, the room and the board.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startGold, fillRoom, digNext } = require('./lib/game');
const { connect, assertOk, assertError } = require('./lib/client');

it('back within the grace: same seat, room and board sent, can dig in turn', async (t) => {
  const server = await startGold(t, { width: 5, height: 5, count: 4, turn: '10s', grace: '10s' });
  const { players: [a, b, c], roomId, board } = await fillRoom(t, server, 3, { prefix: 'back' });
  // a digs; b's turn. b drops: the others see it and the turn passes to c at once.
  let { next } = await digNext([a, b, c], board.turn, { width: 5, height: 5 });
  assert.equal(next.playerId, b.id);
  b.close();
  const away = await a.next('room', (r) => r.players.some((p) => p.id === b.id && !p.connected));
  assert.deepEqual(away.players.map((p) => [p.id, p.connected]), [[a.id, true], [b.id, false], [c.id, true]]);
  assert.equal(away.state, 'playing');
  const passed = await a.next('turn');
  assert.equal(passed.playerId, c.id, 'b\'s turn passed at once');
  assert.ok(passed.deadline < next.deadline + 5000, 'without waiting for b\'s time to run out');
  await c.next('turn', (tu) => tu.playerId === c.id);
  // c digs: b is skipped while away, a plays.
  ({ next } = await digNext([a, c], passed, { width: 5, height: 5 }));
  assert.equal(next.playerId, a.id, 'b skipped while away');

  // b comes back with the token.
  const b2 = await connect(t, server, { name: 'back-2', token: b.token });
  assert.equal(b2.id, b.id, 'same player');
  const room = await b2.next('room');
  assert.equal(room.id, roomId);
  assert.deepEqual(room.players.map((p) => [p.id, p.connected]), [[a.id, true], [b.id, true], [c.id, true]]);
  const caught = await b2.next('board');
  // The board is what a sees: the same cells, scores and turn.
  assert.equal(caught.roomId, roomId);
  assert.deepEqual(caught.turn, next, 'whose turn it is');
  assert.deepEqual(new Map(caught.opened.map((x) => [`${x.x},${x.y}`, x.value])), a.open, 'the cells a knows, no more');
  assert.deepEqual(caught.scores, a.all('dug').at(-1).scores);
  await a.next('room', (r) => r.players.every((p) => p.connected));
  // The turn order has b again: a digs, then b.
  ({ next } = await digNext([a, b2, c], next, { width: 5, height: 5 }));
  assert.equal(next.playerId, b2.id, 'b is back in the turn order');
  assertError(await c.dig(0, 0), 'not_your_turn', 'c waits for b');
  ({ next } = await digNext([a, b2, c], next, { width: 5, height: 5 }));
  if (next) assert.equal(next.playerId, c.id);
  // Joining again returns the same room.
  const again = await b2.join({});
  assertOk(again, 'join while seated', ['room']);
  assert.equal(again.room.id, roomId);
  for (const p of [a, b, b2, c]) p.assertClean();
});

it('not back in time: the seat is lost and the turn order shrinks', async (t) => {
  const server = await startGold(t, { width: 5, height: 5, count: 4, turn: '10s', grace: '1s' });
  const { players: [a, b], roomId } = await fillRoom(t, server, 2, { prefix: 'gone' });
  a.close(); // a's turn passes to b at once
  await b.next('turn', (tu) => tu.playerId === b.id);
  const left = await b.next('room', (r) => r.players.length === 1, { timeout: 5000 });
  assert.deepEqual(left.players.map((p) => p.id), [b.id]);
  assert.equal(left.state, 'playing', 'the game goes on with b alone');
  const a2 = await connect(t, server, { token: a.token });
  assert.equal(a2.id, a.id);
  assertError(await a2.dig(0, 0), 'not_in_room', 'the seat is gone');
  // b digs on alone: every turn is b's.
  let next = (await b.all('turn')).at(-1);
  ({ next } = await digNext([b], next, { width: 5, height: 5 }));
  if (next) assert.equal(next.playerId, b.id);
  assert.ok((await server.api('/api/rooms?game=gold')).rooms.some((r) => r.id === roomId && r.players === 1));
  for (const p of [a, a2, b]) p.assertClean();
});
