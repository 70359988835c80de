'use strict';
// The contract over HTTP long-polling only (no WebSocket at all), for one full round, and in a
// room mixing a polling player with a WebSocket one.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { connect, assertError, assertOk } = require('./lib/client');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');
const { assertRoundSequence } = require('./lib/rounds');

const ctx = useServer({ roundDuration: '10s', roundGap: '100ms' });

const transportOf = (p) => p.socket.io.engine.transport.name;

it('polling only: join, choose, chosen, result, next start', async (t) => {
  const { players, roomId, start } = await fillRoom(t, ctx.server, 2, { prefix: 'poll', transports: ['polling'] });
  const [a, b] = players;
  for (const p of players) assert.equal(transportOf(p), 'polling');
  assertError(await a.choose(start.round, 'lizard'), 'bad_request', 'malformed choose over polling');
  assertError(await a.ack('nope'), 'unknown_event', 'unknown event over polling');
  assertOk(await a.choose(start.round, 'scissors'), 'a chooses');
  assertOk(await a.choose(start.round, 'scissors'), 'a retries');
  assertError(await a.choose(start.round, 'rock'), 'already_chosen', 'a changes its mind');
  assertOk(await b.choose(start.round, 'paper'), 'b chooses');
  const { result, lastAt } = await resultOf(players, start.round);
  assert.ok(lastAt < start.deadline, 'settled early');
  assert.deepEqual(result, {
    roomId,
    round: start.round,
    moves: { [a.id]: 'scissors', [b.id]: 'paper' },
    players: [
      { id: a.id, x: 1, streak: 1, score: 1, total: 1 },
      { id: b.id, x: -1, streak: 0, score: 0, total: 0 },
    ],
  });
  await Promise.all(players.map((p) => p.next('start', (s) => s.round === start.round + 1)));
  for (const p of players) {
    assertRoundSequence(p, start.round, [a.id, b.id]);
    assert.equal(transportOf(p), 'polling', 'never upgraded');
    p.assertClean();
  }
});

it('a polling player and a WebSocket player in one room', async (t) => {
  const a = await connect(t, ctx.server, { name: 'mixed-poll', transports: ['polling'] });
  const b = await connect(t, ctx.server, { name: 'mixed-ws', transports: ['websocket'] });
  const ja = await a.join(2);
  const jb = await b.join(2);
  assert.equal(jb.room.id, ja.room.id, 'same room');
  assert.equal(transportOf(a), 'polling');
  assert.equal(transportOf(b), 'websocket');
  const [sa, sb] = await Promise.all([a, b].map((p) => p.next('start')));
  assert.deepEqual(sa, sb);
  await chooseAll([a, b], sa.round, ['rock', 'rock']);
  const { result } = await resultOf([a, b], sa.round);
  assert.deepEqual(result.moves, { [a.id]: 'rock', [b.id]: 'rock' });
  for (const p of [a, b]) p.assertClean();
});
