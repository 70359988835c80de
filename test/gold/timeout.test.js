'use strict';
// The turn timer: when a turn's time runs out, the turn passes to the next player, at the
// deadline the previous "turn" announced.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startGold, fillRoom } = require('./lib/game');
const { assertOk, assertError } = require('./lib/client');

it('a turn that runs out passes to the next player', async (t) => {
  const server = await startGold(t, { width: 4, height: 4, count: 3, turn: '1s' });
  const { players: [a, b, c], turn } = await fillRoom(t, server, 3, { prefix: 'slow' });
  assert.equal(turn.playerId, a.id);
  assert.equal(turn.duration, 1000);
  // a does nothing: b's turn at a's deadline, then c's at b's.
  let prev = turn;
  for (const who of [b, c, a]) {
    const entries = await Promise.all([a, b, c].map((p) => p.nextEntry('turn', undefined, { timeout: 5000 })));
    const next = entries[0].data;
    for (const e of entries) assert.deepEqual(e.data, next);
    assert.equal(next.playerId, who.id, 'the turn passes in seat order');
    assert.ok(entries[0].at >= prev.deadline - 5, `passed at the deadline, not before (${entries[0].at - prev.deadline} ms)`);
    assert.ok(next.deadline - prev.deadline >= 1000, 'a whole turn for the next player');
    prev = next;
  }
  // It is a's turn again: a digs in time; the timer restarts for b.
  assertOk(await a.dig(0, 0), 'a digs');
  const afterDig = await b.next('turn');
  assert.equal(afterDig.playerId, b.id);
  assertError(await a.dig(1, 0), 'not_your_turn', 'a again');
  assert.deepEqual(a.all('dug').length, 1);
  for (const p of [a, b, c]) p.assertClean();
});
