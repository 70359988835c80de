'use strict';
// A 3-player room over four rounds (three settled early, one at the deadline with a forfeit):
// every pair plays once, so x is a sum over two opponents; exact values from the rules.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');
const { settle, fresh } = require('./lib/rules');
const { assertRoundSequence, assertRoomMatchesResult } = require('./lib/rounds');

const ROUND_MS = 2000; // only round 3 waits for it
const ctx = useServer({ roundDuration: `${ROUND_MS}ms`, roundGap: '100ms' });

it('3 players, 4 rounds with exact scores, streak growth and a forfeit', async (t) => {
  const { players, roomId, room, start: first } = await fillRoom(t, ctx.server, 3, { prefix: 'trio' });
  const [a, b, c] = players;
  assert.deepEqual(room.players.map((p) => p.id), [a.id, b.id, c.id], 'seats in join order');
  assert.equal(room.size, 3);
  // Every roster change went to everyone already seated: a saw 1, 2, then 3 players.
  assert.deepEqual(a.all('room').map((r) => [r.state, r.players.map((p) => p.id)]), [
    ['waiting', [a.id]],
    ['waiting', [a.id, b.id]],
    ['playing', [a.id, b.id, c.id]],
  ], 'rooms a received while the room filled');
  assert.deepEqual(b.all('room').map((r) => r.players.length), [2, 3], 'rooms b received while the room filled');
  assert.deepEqual(c.all('room').map((r) => r.players.length), [3], 'rooms c received while the room filled');

  // [moves of a, b, c] → expected {x, streak, score, total} of a, b, c.
  const rounds = [
    // a beats both; b and c tie with each other and lose to a.
    [['rock', 'scissors', 'scissors'], [
      { x: 2, streak: 1, score: 2, total: 2 },
      { x: -1, streak: 0, score: 0, total: 0 },
      { x: -1, streak: 0, score: 0, total: 0 }]],
    // a and c tie, both beat b: a's streak grows to 2 (score 1*2).
    [['paper', 'rock', 'paper'], [
      { x: 1, streak: 2, score: 2, total: 4 },
      { x: -2, streak: 0, score: 0, total: 0 },
      { x: 1, streak: 1, score: 1, total: 1 }]],
    // c forfeits (deadline): a loses to b and beats c (x 0, streak ends); b beats both.
    [['rock', 'paper', null], [
      { x: 0, streak: 0, score: 0, total: 4 },
      { x: 2, streak: 1, score: 2, total: 2 },
      { x: -2, streak: 0, score: 0, total: 1 }]],
    // a and b tie, both beat c: b's streak grows to 2 (score 1*2).
    [['scissors', 'scissors', 'paper'], [
      { x: 1, streak: 1, score: 1, total: 5 },
      { x: 1, streak: 2, score: 2, total: 4 },
      { x: -2, streak: 0, score: 0, total: 1 }]],
  ];
  let standing = fresh([a.id, b.id, c.id]);
  for (const [i, [moves, want]] of rounds.entries()) {
    const round = i + 1;
    const start = round === 1 ? first : await a.next('start', (s) => s.round === round);
    if (round > 1) await Promise.all([b, c].map((p) => p.next('start', (s) => s.round === round)));
    await chooseAll(players, round, moves);
    const { result, firstAt } = await resultOf(players, round, { timeout: ROUND_MS + 8000 });
    if (moves.includes(null)) {
      assert.ok(firstAt >= start.deadline, `round ${round}: settled at the deadline (result at ${firstAt}, deadline ${start.deadline})`);
    } else {
      assert.ok(firstAt < start.deadline, `round ${round}: settled early (result at ${firstAt}, deadline ${start.deadline})`);
    }
    assert.deepEqual(result, {
      roomId,
      round,
      moves: { [a.id]: moves[0], [b.id]: moves[1], [c.id]: moves[2] },
      players: players.map((p, j) => ({ id: p.id, ...want[j] })),
    }, `round ${round} result`);
    standing = settle(standing, result.moves);
    assert.deepEqual(result.players, standing, `round ${round}: the reference rules agree`);
    for (const p of players) assertRoomMatchesResult(await p.next('room', (r) => r.round === round), result, `${p.label} round ${round}`);
  }
  await Promise.all(players.map((p) => p.next('start', (s) => s.round === rounds.length + 1)));
  for (const p of players) {
    for (const [i, [moves]] of rounds.entries()) {
      assertRoundSequence(p, i + 1, players.filter((_, j) => moves[j] !== null).map((x) => x.id));
    }
    p.assertClean();
  }
});
