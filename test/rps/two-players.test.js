'use strict';
// A 2-player room over five rounds, every one settled early (both chose): exact x / streak /
// score / total from the rules, streak growth and reset, the event sequence of each round, and
// result well before the deadline.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');
const { settle, fresh } = require('./lib/rules');
const { assertRoundSequence, assertRoomMatchesResult } = require('./lib/rounds');

const ROUND_MS = 5000; // never reached: every round settles as soon as both chose
const ctx = useServer({ roundDuration: `${ROUND_MS}ms`, roundGap: '100ms' });

it('2 players, 5 rounds settled early with exact scores', async (t) => {
  const { players, roomId, room, starts: firstStarts } = await fillRoom(t, ctx.server, 2, { prefix: 'duo' });
  const [a, b] = players;
  {
    assert.deepEqual(room, {
      id: roomId,
      size: 2,
      state: 'playing',
      round: 1,
      players: [
        { id: a.id, name: 'duo-1', connected: true, total: 0, streak: 0 },
        { id: b.id, name: 'duo-2', connected: true, total: 0, streak: 0 },
      ],
    }, 'room when full');
  }

  // [moves of a, b] → expected {x, streak, score, total} of a, b.
  const rounds = [
    [['rock', 'scissors'], [{ x: 1, streak: 1, score: 1, total: 1 }, { x: -1, streak: 0, score: 0, total: 0 }]],
    [['paper', 'rock'], [{ x: 1, streak: 2, score: 2, total: 3 }, { x: -1, streak: 0, score: 0, total: 0 }]],
    [['scissors', 'paper'], [{ x: 1, streak: 3, score: 3, total: 6 }, { x: -1, streak: 0, score: 0, total: 0 }]],
    [['rock', 'rock'], [{ x: 0, streak: 0, score: 0, total: 6 }, { x: 0, streak: 0, score: 0, total: 0 }]],
    [['rock', 'paper'], [{ x: -1, streak: 0, score: 0, total: 6 }, { x: 1, streak: 1, score: 1, total: 1 }]],
  ];
  let standing = fresh([a.id, b.id]);
  for (const [i, [moves, want]] of rounds.entries()) {
    const round = i + 1;
    const starts = round === 1 ? firstStarts : await Promise.all(players.map((p) => p.nextEntry('start', (s) => s.round === round)));
    const start = starts[0].data;
    for (const s of starts) assert.deepEqual(s.data, start, `round ${round}: same "start" for everyone`);
    assert.equal(start.roomId, roomId);
    assert.equal(start.duration, ROUND_MS);
    // deadline = opening time + duration, the opening being just before we got "start".
    const opened = start.deadline - start.duration;
    assert.ok(opened <= starts[0].at + 5 && opened >= starts[0].at - 2000, `round ${round}: deadline ${start.deadline} vs received at ${starts[0].at}`);

    // a first: both see a's "chosen", and no result while b has not chosen.
    await chooseAll(players, round, [moves[0], null]);
    await Promise.all(players.map((p) => p.next('chosen', (c) => c.round === round && c.playerId === a.id)));
    assert.deepEqual(a.all('result', (r) => r.round === round), [], 'no result before everyone chose');
    await chooseAll(players, round, [null, moves[1]]);

    const { result, lastAt } = await resultOf(players, round);
    assert.ok(lastAt < start.deadline - 1000, `round ${round}: settled early (result at ${lastAt}, deadline ${start.deadline})`);
    assert.deepEqual(result, {
      roomId,
      round,
      moves: { [a.id]: moves[0], [b.id]: moves[1] },
      players: [{ id: a.id, ...want[0] }, { id: b.id, ...want[1] }],
    }, `round ${round} result`);
    standing = settle(standing, result.moves);
    assert.deepEqual(result.players, standing, `round ${round}: the reference rules agree`);
    for (const p of players) {
      const room = await p.next('room', (r) => r.round === round && r.state === 'playing');
      assertRoomMatchesResult(room, result, `${p.label} round ${round}`);
    }
  }

  // The room keeps playing while full: round 6 opens; then every round had exactly
  // chosen, chosen, result, room for everyone.
  await Promise.all(players.map((p) => p.next('start', (s) => s.round === rounds.length + 1)));
  for (const p of players) {
    for (let round = 1; round <= rounds.length; round++) assertRoundSequence(p, round, [a.id, b.id]);
    p.assertClean();
  }
});
