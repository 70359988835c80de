'use strict';
// Seats: joining while seated returns the same room; leaving sends the room back to waiting
// (the open round cancelled), a new player fills it and rounds start again.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { connect, assertError, assertOk } = require('./lib/client');
const { fillRoom, resultOf, chooseAll, assertRoomView } = require('./lib/game');

const ctx = useServer({ roundDuration: '10s', roundGap: '100ms', grace: '10s' });

it('joining while seated returns the same room, whatever the size asked', async (t) => {
  const a = await connect(t, ctx.server, { name: 'ann' });
  const first = await a.join(2);
  assertOk(first, 'first join', ['room']);
  const roomId = first.room.id;
  for (const size of [2, 5, undefined]) {
    const again = await a.join(size);
    assertOk(again, `join ${size} while seated`, ['room']);
    assertRoomView(again.room, 'join while seated');
    assert.equal(again.room.id, roomId, 'same room');
    assert.equal(again.room.size, 2, 'same size');
    assert.deepEqual(again.room.players.map((p) => p.id), [a.id], 'one seat, not two');
  }
  const b = await connect(t, ctx.server, { name: 'bob' });
  assertOk(await b.join(2), 'b joins', ['room']);
  await a.next('start', (s) => s.roomId === roomId);
  const playing = await a.join(2);
  assert.equal(playing.room.id, roomId, 'same room while playing');
  assert.equal(playing.room.state, 'playing');
  assert.deepEqual(playing.room.players.map((p) => p.id), [a.id, b.id]);
  const lobby = await ctx.server.api('/api/rooms');
  assert.deepEqual(lobby.rooms.filter((r) => r.id === roomId), [{ id: roomId, game: 'rps', size: 2, state: 'playing', players: 2 }]);
  a.assertClean();
  b.assertClean();
});

it('leave: room back to waiting, round cancelled; a new player fills it and play resumes', async (t) => {
  const { players: [a, b], roomId } = await fillRoom(t, ctx.server, 2, { prefix: 'stay' });
  // Round 1: a wins, so a's standing is visible afterwards.
  await chooseAll([a, b], 1, ['rock', 'scissors']);
  await resultOf([a, b], 1);
  await Promise.all([a, b].map((p) => p.next('start', (s) => s.round === 2)));
  assertOk(await a.choose(2, 'paper'), 'a chooses in round 2');
  await b.next('chosen', (c) => c.round === 2 && c.playerId === a.id);

  // b leaves in the middle of round 2.
  assertOk(await b.leave(), 'b leaves');
  const bSeenUpTo = b.events.length;
  const waiting = await a.next('room', (r) => r.state === 'waiting');
  assert.deepEqual(waiting, {
    id: roomId,
    size: 2,
    state: 'waiting',
    round: 2,
    players: [{ id: a.id, name: 'stay-1', connected: true, total: 1, streak: 1 }],
  }, 'room after b left');
  assertError(await a.choose(2, 'paper'), 'round_closed', 'the cancelled round');
  assertError(await b.choose(2, 'rock'), 'not_in_room', 'b after leaving');
  assert.deepEqual((await ctx.server.api('/api/rooms')).rooms.filter((r) => r.id === roomId),
    [{ id: roomId, game: 'rps', size: 2, state: 'waiting', players: 1 }], 'lobby after b left');

  // A new player fills the seat: the room plays again.
  const c = await connect(t, ctx.server, { name: 'stay-new' });
  const joined = await c.join(2);
  assertOk(joined, 'c joins', ['room']);
  assert.equal(joined.room.id, roomId, 'c fills the waiting room');
  assert.deepEqual(joined.room.players.map((p) => p.id), [a.id, c.id]);
  const [roomA, roomC] = await Promise.all([a, c].map((p) => p.next('room', (r) => r.state === 'playing')));
  assert.deepEqual(roomA, roomC);
  assert.deepEqual(roomA.players, [
    { id: a.id, name: 'stay-1', connected: true, total: 1, streak: 1 },
    { id: c.id, name: 'stay-new', connected: true, total: 0, streak: 0 },
  ], 'a keeps its standing, c starts from zero');
  const [startA, startC] = await Promise.all([a, c].map((p) => p.next('start', (s) => s.roomId === roomId)));
  assert.deepEqual(startA, startC);
  assert.ok(startA.round > 2, `a new round after the cancelled one (got round ${startA.round})`);
  assert.equal(roomA.round, startA.round);
  assert.deepEqual(a.all('result', (r) => r.round === 2), [], 'the cancelled round was not settled');

  // The new round plays to a result; a's streak goes on.
  await chooseAll([a, c], startA.round, ['paper', 'rock']);
  const { result } = await resultOf([a, c], startA.round);
  assert.deepEqual(result.players, [
    { id: a.id, x: 1, streak: 2, score: 2, total: 3 },
    { id: c.id, x: -1, streak: 0, score: 0, total: 0 },
  ]);

  // b got nothing from the room after leaving.
  assertError(await b.leave(), 'not_in_room', 'b leaves again');
  assert.deepEqual(b.events.slice(bSeenUpTo).map((e) => e.name), [], 'events b got after leaving');
  for (const p of [a, b, c]) p.assertClean();
});

it('the last player leaving deletes the room', async (t) => {
  const a = await connect(t, ctx.server, { name: 'last' });
  const { room } = await a.join(4);
  assert.ok((await ctx.server.api('/api/rooms')).rooms.some((r) => r.id === room.id));
  assertOk(await a.leave(), 'leave');
  assert.ok(!(await ctx.server.api('/api/rooms')).rooms.some((r) => r.id === room.id), 'room gone from the lobby');
  // Joining again makes a new room.
  const again = await a.join(4);
  assert.notEqual(again.room.id, room.id);
  a.assertClean();
});
