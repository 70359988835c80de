'use strict';
// Coming back within the reconnect grace with the welcome token: same playerId, same seat, the
// room (and the open round's start) sent again, and the others see connected false then true.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startServer } = require('./lib/server');
const { connect, assertOk } = require('./lib/client');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');

it('back within the grace: same player, same seat, can choose in the open round', async (t) => {
  const server = await startServer(t, { roundDuration: '10s', roundGap: '100ms', grace: '10s' });
  const { players: [a, b], roomId, start } = await fillRoom(t, server, 2, { prefix: 'back' });

  b.close();
  const away = await a.next('room', (r) => r.players.some((p) => p.id === b.id && !p.connected));
  assert.deepEqual(away, {
    id: roomId,
    size: 2,
    state: 'playing',
    round: 1,
    players: [
      { id: a.id, name: 'back-1', connected: true, total: 0, streak: 0 },
      { id: b.id, name: 'back-2', connected: false, total: 0, streak: 0 },
    ],
  }, 'a sees b disconnected, seat kept');

  const b2 = await connect(t, server, { name: 'back-2', token: b.token });
  assert.equal(b2.id, b.id, 'same playerId with the token');
  const back = { ...away, players: away.players.map((p) => ({ ...p, connected: true })) };
  assert.deepEqual(await b2.next('room'), back, 'the room is sent to the returning socket');
  assert.deepEqual(await b2.next('start'), start, 'the open round\'s start is sent again, same deadline');
  assert.deepEqual(await a.next('room', (r) => r.players.every((p) => p.connected)), back, 'a sees b connected again');

  assertOk(await b2.choose(1, 'paper'), 'b chooses in the open round');
  await a.next('chosen', (c) => c.playerId === b.id);
  assertOk(await a.choose(1, 'rock'), 'a chooses');
  const { result } = await resultOf([a, b2], 1);
  assert.deepEqual(result.players, [
    { id: a.id, x: -1, streak: 0, score: 0, total: 0 },
    { id: b.id, x: 1, streak: 1, score: 1, total: 1 },
  ]);
  // Joining again returns the same room, same seat.
  const again = await b2.join(2);
  assert.equal(again.room.id, roomId);
  assert.deepEqual(again.room.players.map((p) => p.id), [a.id, b.id]);
  for (const p of [a, b, b2]) p.assertClean();
});

it('a disconnected player forfeits the rounds meanwhile and is caught up on return', async (t) => {
  const server = await startServer(t, { roundDuration: '3s', roundGap: '100ms', grace: '20s' });
  const { players: [a, b], roomId, start } = await fillRoom(t, server, 2, { prefix: 'gone' });
  b.close();
  await a.next('room', (r) => r.players.some((p) => p.id === b.id && !p.connected));
  assertOk(await a.choose(1, 'scissors'), 'a chooses');
  const { result, firstAt } = await resultOf([a], 1, { timeout: 10000 });
  assert.ok(firstAt >= start.deadline, 'settled at the deadline');
  assert.deepEqual(result.moves, { [a.id]: 'scissors', [b.id]: null });
  assert.deepEqual(result.players, [
    { id: a.id, x: 1, streak: 1, score: 1, total: 1 },
    { id: b.id, x: -1, streak: 0, score: 0, total: 0 },
  ]);
  // The room keeps b's seat and keeps playing.
  const next = await a.next('start', (s) => s.round === 2);
  const b2 = await connect(t, server, { name: 'gone-2', token: b.token });
  assert.equal(b2.id, b.id);
  const room = await b2.next('room');
  assert.equal(room.id, roomId);
  assert.deepEqual(room.players.map((p) => [p.id, p.connected, p.total]), [[a.id, true, 1], [b.id, true, 0]]);
  // Round 2 is open (it lasts 3 s and b came back right after it started): b gets its start.
  assert.deepEqual(await b2.next('start'), next);
  await chooseAll([a, b2], 2, ['rock', 'paper']);
  const r2 = await resultOf([a, b2], 2);
  assert.deepEqual(r2.result.moves, { [a.id]: 'rock', [b.id]: 'paper' });
  for (const p of [a, b, b2]) p.assertClean();
});
