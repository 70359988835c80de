'use strict';
// Not back by the end of the reconnect grace: the player leaves the room (the others get "room"
// without them, state waiting). Their token still gives the same playerId, but no seat: join
// seats them afresh.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startServer } = require('./lib/server');
const { connect, assertError, assertOk } = require('./lib/client');
const { fillRoom, resultOf, chooseAll, assertRoomView } = require('./lib/game');

const GRACE_MS = 800;

it('after the grace: removed from the room; the token gives the same id but a new seat', async (t) => {
  const server = await startServer(t, { roundDuration: '10s', roundGap: '100ms', grace: `${GRACE_MS}ms` });
  // b sits first (seat 0) and wins round 1, so its old seat is recognisable.
  const { players: [b, a], roomId } = await fillRoom(t, server, 2, { prefix: 'exp' });
  await chooseAll([b, a], 1, ['rock', 'scissors']);
  const { result } = await resultOf([a, b], 1);
  assert.deepEqual(result.players.map((p) => [p.id, p.total]), [[b.id, 1], [a.id, 0]]);
  await Promise.all([a, b].map((p) => p.next('start', (s) => s.round === 2)));

  b.close();
  const away = await a.nextEntry('room', (r) => r.players.some((p) => p.id === b.id && !p.connected));
  assert.equal(away.data.state, 'playing', 'seat kept during the grace');
  const gone = await a.nextEntry('room', (r) => !r.players.some((p) => p.id === b.id), { timeout: GRACE_MS + 8000 });
  assert.ok(gone.at - away.at >= GRACE_MS / 2, `removed after the grace, not at once (${gone.at - away.at} ms)`);
  assert.deepEqual(gone.data, {
    id: roomId,
    size: 2,
    state: 'waiting',
    round: 2,
    players: [{ id: a.id, name: 'exp-2', connected: true, total: 0, streak: 0 }],
  }, 'room after the grace');
  assert.deepEqual((await server.api('/api/rooms')).rooms, [{ id: roomId, game: 'rps', size: 2, state: 'waiting', players: 1 }],
    'the lobby no longer counts b');
  assertError(await a.choose(2, 'rock'), 'round_closed', 'round 2 was cancelled');

  // Same identity, no seat.
  const b2 = await connect(t, server, { name: 'exp-1', token: b.token });
  assert.equal(b2.id, b.id, 'the token still gives the same playerId');
  assertError(await b2.choose(2, 'rock'), 'not_in_room', 'no seat any more');
  assertError(await b2.leave(), 'not_in_room', 'no seat to leave');
  assert.deepEqual(b2.all('room'), [], 'no room sent to a player without a seat');
  assert.deepEqual(b2.all('start'), [], 'no start sent to a player without a seat');

  // Joining seats b afresh: after a (seat 1, not 0), with nothing of the old standing.
  const joined = await b2.join(2);
  assertOk(joined, 'b joins again', ['room']);
  assertRoomView(joined.room, 'join');
  assert.deepEqual(joined.room.players, [
    { id: a.id, name: 'exp-2', connected: true, total: 0, streak: 0 },
    { id: b.id, name: 'exp-1', connected: true, total: 0, streak: 0 },
  ], 'b has a new seat');
  const start = await b2.next('start');
  assert.equal(start.roomId, joined.room.id);
  await a.next('start', (s) => s.round === start.round);
  await chooseAll([a, b2], start.round, ['paper', 'rock']);
  const r = await resultOf([a, b2], start.round);
  assert.deepEqual(r.result.players.map((p) => [p.id, p.total]), [[a.id, 1], [b.id, 0]]);
  for (const p of [a, b, b2]) p.assertClean();
});

it('after the grace, joining another size puts the player in a different room', async (t) => {
  const server = await startServer(t, { roundDuration: '10s', roundGap: '100ms', grace: `${GRACE_MS}ms` });
  const { players: [a, b], roomId } = await fillRoom(t, server, 2, { prefix: 'mv' });
  b.close();
  await a.next('room', (r) => !r.players.some((p) => p.id === b.id), { timeout: GRACE_MS + 8000 });
  const b2 = await connect(t, server, { token: b.token });
  assert.equal(b2.id, b.id);
  const joined = await b2.join(3);
  assertOk(joined, 'join 3', ['room']);
  assert.notEqual(joined.room.id, roomId, 'a new room');
  assert.deepEqual(joined.room.players.map((p) => p.id), [b.id]);
  const lobby = (await server.api('/api/rooms')).rooms;
  assert.deepEqual(lobby.map((r) => [r.id, r.size, r.state, r.players]).sort(), [
    [roomId, 2, 'waiting', 1],
    [joined.room.id, 3, 'waiting', 1],
  ].sort());
  for (const p of [a, b, b2]) p.assertClean();
});
