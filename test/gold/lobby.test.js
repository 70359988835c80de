'use strict';
// The lobby over HTTP: GET /api/rooms?game=gold lists the gold rooms, a player enters one by id;
// without ?game every room of every game is listed with its game.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { io } = require('socket.io-client');
const { startGold } = require('./lib/game');
const { connect, assertOk } = require('./lib/client');

const byId = (x, y) => (x.id < y.id ? -1 : 1);

it('lists gold rooms, joins one by id, and lists every game without ?game', async (t) => {
  const server = await startGold(t, { width: 4, height: 4, count: 3 });
  assert.deepEqual(await server.api('/api/rooms?game=gold'), { rooms: [], total: 0, offset: 0, limit: 100 });
  const a = await connect(t, server, { name: 'lobby-a' });
  const b = await connect(t, server, { name: 'lobby-b' });
  const c = await connect(t, server, { name: 'lobby-c' });
  const ja = await a.join({ size: 3 });
  const jb = await b.join({ size: 2 });
  assertOk(ja, 'a', ['room']);
  assert.deepEqual((await server.api('/api/rooms?game=gold')).rooms.sort(byId), [
    { id: ja.room.id, game: 'gold', size: 3, state: 'waiting', players: 1 },
    { id: jb.room.id, game: 'gold', size: 2, state: 'waiting', players: 1 },
  ].sort(byId));
  // c picks a's room from the lobby (size 3), though it asks for size 2.
  const jc = await c.join({ room: ja.room.id, size: 2 });
  assert.equal(jc.room.id, ja.room.id, 'the room id wins');
  assert.deepEqual(jc.room.players.map((p) => p.id), [a.id, c.id]);
  // An unknown room id: find or create by size (b's room, the oldest waiting of size 2).
  const d = await connect(t, server, { name: 'lobby-d' });
  const jd = await d.join({ room: 'no-such-room', size: 2 });
  assert.equal(jd.room.id, jb.room.id);
  await b.next('room', (r) => r.state === 'playing');
  // An rps player in the same server: ?game splits, no ?game lists both with their game.
  const s = io(`${server.url}/rps`, { transports: ['websocket'], forceNew: true, reconnection: false });
  t.after(() => s.disconnect());
  await new Promise((resolve) => s.once('welcome', resolve));
  const rps = await s.timeout(5000).emitWithAck('join', { size: 2 });
  assert.equal(rps.ok, true);
  assert.deepEqual((await server.api('/api/rooms?game=rps')).rooms, [{ id: rps.room.id, game: 'rps', size: 2, state: 'waiting', players: 1 }]);
  const all = (await server.api('/api/rooms')).rooms;
  assert.deepEqual(all.map((r) => [r.id, r.game, r.state]).sort(), [
    [ja.room.id, 'gold', 'waiting'], [jb.room.id, 'gold', 'playing'], [rps.room.id, 'rps', 'waiting'],
  ].sort());
  const res = await fetch(`${server.url}/api/rooms?game=chess`);
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, 'bad_request');
  const stats = await server.api('/api/stats');
  assert.deepEqual({ ...stats, connections: 0 }, { connections: 0, nodes: 1, rooms: 3, waiting: 2, playing: 1, over: 0, players: 5, roundsSettled: 0 });
  for (const p of [a, b, c, d]) p.assertClean();
});
