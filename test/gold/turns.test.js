'use strict';
// Turn order: strictly in seat order from the first seat, whatever is dug (gold included), and
// only the player whose turn it is may dig.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startGold, fillRoom, digNext } = require('./lib/game');
const { assertError } = require('./lib/client');

it('three players dig in seat order, round after round', async (t) => {
  const server = await startGold(t, { width: 6, height: 5, count: 12, turn: '10s' });
  const { players, board } = await fillRoom(t, server, 3, { prefix: 'turns' });
  const ids = players.map((p) => p.id);
  let turn = board.turn;
  const seen = [];
  for (let n = 0; n < 9 && turn; n++) {
    seen.push(turn.playerId);
    // Everyone else is refused.
    for (const p of players) {
      if (p.id !== turn.playerId) assertError(await p.dig(0, 0), 'not_your_turn', `${p.label} out of turn`);
    }
    const before = Date.now();
    const { dug, next } = await digNext(players, turn, { width: 6, height: 5 });
    assert.equal(dug.by, turn.playerId);
    if (next) {
      assert.ok(next.deadline >= before + 10000 - 50 && next.deadline <= Date.now() + 10000 + 50, `the next turn lasts 10 s: ${next.deadline - before}`);
      assert.equal(next.duration, 10000);
    }
    turn = next;
  }
  assert.deepEqual(seen, [...ids, ...ids, ...ids].slice(0, seen.length), 'seat order');
  assert.ok(seen.length >= 6, 'at least two rounds of turns');
  for (const p of players) p.assertClean();
});
