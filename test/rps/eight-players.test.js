'use strict';
// The largest room: 8 players, 28 pairs a round. Two rounds checked against the reference rules
// (one settled early, one at the deadline with two forfeits).
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');
const { settle, fresh } = require('./lib/rules');

const ROUND_MS = 2500;
const ctx = useServer({ roundDuration: `${ROUND_MS}ms`, roundGap: '100ms' });

it('8 players, 2 rounds, results as the rules say', async (t) => {
  const { players, roomId, start: first } = await fillRoom(t, ctx.server, 8, { prefix: 'octo' });
  const ids = players.map((p) => p.id);
  const rounds = [
    ['rock', 'paper', 'scissors', 'rock', 'rock', 'paper', 'scissors', 'rock'],
    ['paper', null, 'paper', 'scissors', 'rock', null, 'paper', 'paper'],
  ];
  let standing = fresh(ids);
  const results = [];
  for (const [i, moves] of rounds.entries()) {
    const round = i + 1;
    const start = round === 1 ? first : await players[0].next('start', (s) => s.round === round);
    await chooseAll(players, round, moves);
    const { result, firstAt } = await resultOf(players, round, { timeout: ROUND_MS + 8000 });
    if (moves.includes(null)) assert.ok(firstAt >= start.deadline, `round ${round}: settled at the deadline`);
    else assert.ok(firstAt < start.deadline, `round ${round}: settled early`);
    assert.equal(result.roomId, roomId);
    assert.deepEqual(result.moves, Object.fromEntries(ids.map((id, j) => [id, moves[j]])), `round ${round} moves`);
    standing = settle(standing, result.moves);
    assert.deepEqual(result.players, standing, `round ${round} players`);
    // Every pair played once: the x values sum to zero.
    assert.equal(result.players.reduce((s, p) => s + p.x, 0), 0, 'x values sum to zero');
    results.push(result);
  }
  // Round 1 by hand: rock ×4, paper ×2, scissors ×2. Rock beats 2 scissors, loses to 2 papers
  // (x 0); paper beats 4 rocks, loses to 2 scissors (x 2, score 2); scissors +2 -4 (x -2).
  assert.deepEqual(results[0].players.map((p) => [p.x, p.score]), [[0, 0], [2, 2], [-2, 0], [0, 0], [0, 0], [2, 2], [-2, 0], [0, 0]]);
  for (const p of players) p.assertClean();
});
