'use strict';
// Rounds settled at the deadline: a player who did not choose forfeits (null move, loses to
// every player who chose, ties with the others who did not).
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { assertError } = require('./lib/client');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');
const { settle, fresh } = require('./lib/rules');
const { assertRoundSequence, assertRoomMatchesResult } = require('./lib/rounds');

const ROUND_MS = 2000; // the choosing player acts as soon as "start" arrives
const GAP_MS = 200;
const ctx = useServer({ roundDuration: `${ROUND_MS}ms`, roundGap: `${GAP_MS}ms` });

it('2 players: forfeits settle at the deadline with null moves', async (t) => {
  const { players, roomId, start: first } = await fillRoom(t, ctx.server, 2, { prefix: 'late' });
  const [a, b] = players;
  const rounds = [
    // b never chooses: a wins by forfeit.
    [['rock', null], [{ x: 1, streak: 1, score: 1, total: 1 }, { x: -1, streak: 0, score: 0, total: 0 }]],
    // nobody chooses: a tie, a's streak ends.
    [[null, null], [{ x: 0, streak: 0, score: 0, total: 1 }, { x: 0, streak: 0, score: 0, total: 0 }]],
    // a never chooses: b wins by forfeit.
    [[null, 'paper'], [{ x: -1, streak: 0, score: 0, total: 1 }, { x: 1, streak: 1, score: 1, total: 1 }]],
  ];
  let standing = fresh([a.id, b.id]);
  let prev = null;
  for (const [i, [moves, want]] of rounds.entries()) {
    const round = i + 1;
    const start = round === 1 ? first : await a.next('start', (s) => s.round === round);
    if (round > 1) await b.next('start', (s) => s.round === round);
    assert.equal(start.duration, ROUND_MS);
    if (prev) {
      // Server clock: this round opened a gap after the previous one was settled at its deadline.
      const opened = start.deadline - start.duration;
      assert.ok(opened >= prev.deadline + GAP_MS, `round ${round} opened at ${opened}, ${opened - prev.deadline} ms after the previous deadline (gap ${GAP_MS})`);
    }
    prev = start;
    await chooseAll(players, round, moves);
    const { result, firstAt } = await resultOf(players, round, { timeout: ROUND_MS + 8000 });
    assert.ok(firstAt >= start.deadline, `round ${round}: settled at the deadline (result at ${firstAt}, deadline ${start.deadline})`);
    assert.deepEqual(result, {
      roomId,
      round,
      moves: { [a.id]: moves[0], [b.id]: moves[1] },
      players: [{ id: a.id, ...want[0] }, { id: b.id, ...want[1] }],
    }, `round ${round} result`);
    standing = settle(standing, result.moves);
    assert.deepEqual(result.players, standing, `round ${round}: the reference rules agree`);
    for (const p of players) assertRoomMatchesResult(await p.next('room', (r) => r.round === round), result, `${p.label} round ${round}`);
    // Past the deadline the round is closed, for the forfeiter too.
    const late = players[moves.indexOf(null)];
    assertError(await late.choose(round, 'rock'), 'round_closed', `${late.label} choosing after the deadline`);
  }
  await Promise.all(players.map((p) => p.next('start', (s) => s.round === rounds.length + 1)));
  for (const p of players) {
    for (const [i, [moves]] of rounds.entries()) {
      assertRoundSequence(p, i + 1, players.filter((_, j) => moves[j] !== null).map((x) => x.id));
    }
    p.assertClean();
  }
});
