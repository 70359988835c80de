'use strict';
// The HTTP lobby: GET /api/rooms and GET /api/stats follow what players do.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startServer, waitUntil } = require('./lib/server');
const { connect, assertOk } = require('./lib/client');
const { resultOf, chooseAll } = require('./lib/game');

const byId = (a, b) => (a.id < b.id ? -1 : 1);

it('/api/rooms and /api/stats follow joins, rounds, disconnects and leaves', async (t) => {
  const server = await startServer(t, { roundDuration: '10s', roundGap: '100ms', grace: '10s' });
  const stats = () => server.api('/api/stats');
  const rooms = async () => (await server.api('/api/rooms')).rooms.sort(byId);
  // Waits until /api/stats equals want (connection counts change asynchronously on close).
  const statsBecome = (want, what) => waitUntil(async () => {
    const got = await stats();
    return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) && got;
  }, { what: `stats ${what} = ${JSON.stringify(want)}` }).catch(async (err) => {
    assert.deepEqual(await stats(), want, `${what} (${err.message})`);
  });

  assert.deepEqual(await server.api('/api/rooms'), { rooms: [], total: 0, offset: 0, limit: 100 });
  assert.deepEqual(await stats(), { connections: 0, nodes: 1, rooms: 0, waiting: 0, over: 0, playing: 0, players: 0, roundsSettled: 0 });

  const a = await connect(t, server, { name: 'lobby-a' });
  await statsBecome({ connections: 1, nodes: 1, rooms: 0, waiting: 0, over: 0, playing: 0, players: 0, roundsSettled: 0 }, 'one connection');
  const ja = await a.join(3);
  assert.deepEqual(await rooms(), [{ id: ja.room.id, size: 3, state: 'waiting', players: 1, game: 'rps' }]);
  assert.deepEqual(await stats(), { connections: 1, nodes: 1, rooms: 1, waiting: 1, over: 0, playing: 0, players: 1, roundsSettled: 0 });

  const b = await connect(t, server, { name: 'lobby-b' });
  const c = await connect(t, server, { name: 'lobby-c' });
  const jb = await b.join(2);
  assertOk(await c.join(2), 'c joins', ['room']);
  const start = await b.next('start');
  await c.next('start');
  assert.deepEqual((await server.api('/api/rooms?game=rps')).rooms.sort(byId), await rooms(), '?game=rps lists the same rooms');
  assert.deepEqual(await rooms(), [
    { id: ja.room.id, size: 3, state: 'waiting', players: 1, game: 'rps' },
    { id: jb.room.id, size: 2, state: 'playing', players: 2, game: 'rps' },
  ].sort(byId));
  await statsBecome({ connections: 3, nodes: 1, rooms: 2, waiting: 1, over: 0, playing: 1, players: 3, roundsSettled: 0 }, 'two rooms');

  // Each settled round counts once.
  await chooseAll([b, c], start.round, ['rock', 'paper']);
  await resultOf([b, c], start.round);
  await statsBecome({ connections: 3, nodes: 1, rooms: 2, waiting: 1, over: 0, playing: 1, players: 3, roundsSettled: 1 }, 'one round settled');
  await Promise.all([b, c].map((p) => p.next('start', (s) => s.round === start.round + 1)));
  assert.equal((await stats()).roundsSettled, 1, 'still one after the next round opened');
  await chooseAll([b, c], start.round + 1, ['paper', 'paper']);
  await resultOf([b, c], start.round + 1);
  await statsBecome({ connections: 3, nodes: 1, rooms: 2, waiting: 1, over: 0, playing: 1, players: 3, roundsSettled: 2 }, 'two rounds settled');

  // A disconnected player keeps the seat during the grace: still counted, room still playing.
  c.close();
  await b.next('room', (r) => r.players.some((p) => !p.connected));
  await statsBecome({ connections: 2, nodes: 1, rooms: 2, waiting: 1, over: 0, playing: 1, players: 3, roundsSettled: 2 }, 'c disconnected');

  // b leaves: that room waits with c's (disconnected) seat.
  assertOk(await b.leave(), 'b leaves');
  assert.deepEqual(await rooms(), [
    { id: ja.room.id, size: 3, state: 'waiting', players: 1, game: 'rps' },
    { id: jb.room.id, size: 2, state: 'waiting', players: 1, game: 'rps' },
  ].sort(byId));
  await statsBecome({ connections: 2, nodes: 1, rooms: 2, waiting: 2, over: 0, playing: 0, players: 2, roundsSettled: 2 }, 'b left');

  // c comes back and leaves, a leaves: no rooms left; the settled count stays.
  const c2 = await connect(t, server, { token: c.token });
  assertOk(await c2.leave(), 'c leaves');
  assertOk(await a.leave(), 'a leaves');
  assert.deepEqual(await server.api('/api/rooms'), { rooms: [], total: 0, offset: 0, limit: 100 });
  await statsBecome({ connections: 3, nodes: 1, rooms: 0, waiting: 0, over: 0, playing: 0, players: 0, roundsSettled: 2 }, 'everyone left');
  for (const p of [a, b, c, c2]) p.assertClean();
});
