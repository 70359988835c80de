'use strict';
// A whole game to "over" on a small board: strict seat-order turns, scores counted from the
// "dug" events, "over" with the right scores and winners, minesweeper numbers consistent with
// where the gold turned out to be, and no message to any player revealing a gold cell before it
// was dug (checked on every event as it arrives, and again over the raw packets at the end).
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startGold, fillRoom, digNext } = require('./lib/game');

const W = 4;
const H = 4;
const GOLD = 3;

it('two players play a 4×4 board with 3 gold to the end', async (t) => {
  const server = await startGold(t, { width: W, height: H, count: GOLD, turn: '10s' });
  const { players, roomId, board } = await fillRoom(t, server, 2, { prefix: 'full' });
  const [a, b] = players;
  assert.deepEqual({ ...board, turn: null }, {
    roomId, width: W, height: H, gold: GOLD, remaining: GOLD, opened: [], scores: { [a.id]: 0, [b.id]: 0 }, turn: null, over: false, winners: [],
  });
  let turn = board.turn;
  const order = [];
  const tally = { [a.id]: 0, [b.id]: 0 };
  let last;
  for (let n = 0; turn; n++) {
    assert.ok(n < W * H, 'the game ends within one dig per cell');
    order.push(turn.playerId);
    const { dug, next } = await digNext(players, turn, { width: W, height: H });
    assert.equal(dug.by, turn.playerId);
    if (dug.gold) tally[dug.by]++;
    assert.deepEqual(dug.scores, tally, 'scores after the dig');
    assert.equal(dug.remaining, GOLD - tally[a.id] - tally[b.id]);
    if (next) assert.equal(next.playerId, turn.playerId === a.id ? b.id : a.id, 'turns alternate in seat order');
    turn = next;
    last = dug;
  }
  assert.equal(last.remaining, 0);
  assert.deepEqual(order.slice(0, 4), [a.id, b.id, a.id, b.id], 'strict seat order from the first seat');

  const best = Math.max(tally[a.id], tally[b.id]);
  const winners = [a.id, b.id].filter((id) => tally[id] === best);
  for (const p of players) {
    const over = await p.next('over');
    assert.deepEqual(over, { roomId, scores: tally, winners });
    const room = await p.next('room', (r) => r.state === 'over');
    assert.deepEqual(room.players.map((x) => [x.id, x.score]), [[a.id, tally[a.id]], [b.id, tally[b.id]]]);
  }
  // Over: digging is refused, the room stays until its players leave.
  const closed = a.closedCells(W, H);
  if (closed.length) {
    const ack = await a.dig(closed[0].x, closed[0].y);
    assert.equal(ack.error.code, 'game_over');
  }
  assert.deepEqual((await server.api('/api/rooms?game=gold')).rooms, [{ id: roomId, game: 'gold', size: 2, state: 'over', players: 2 }]);

  // Every gold cell was dug; numbers agree with where the gold is.
  const gold = new Set(a.dugGold);
  assert.equal(gold.size, GOLD);
  for (const [k, v] of a.open) {
    const [x, y] = k.split(',').map(Number);
    if (v === -1) continue;
    let around = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && gold.has(`${x + dx},${y + dy}`)) around++;
    assert.equal(v, around, `cell (${k}) shows ${v}, has ${around} gold neighbours`);
  }
  // The raw packets again, now that the gold is known: no packet names a gold cell before the
  // packet that digs it.
  for (const p of players) {
    const dugSoFar = new Set();
    for (const raw of p.raw) {
      const m = /^2\/gold,\d*(\[.*)$/s.exec(raw);
      assert.ok(m, `unexpected packet ${raw}`);
      const [name, data] = JSON.parse(m[1]);
      if (name === 'dug' && data.gold) dugSoFar.add(`${data.x},${data.y}`);
      for (const g of gold) {
        const [x, y] = g.split(',').map(Number);
        const named = JSON.stringify(data).includes(`"x":${x},"y":${y},`) || JSON.stringify(data).includes(`"x":${x},"y":${y}}`);
        assert.ok(!named || dugSoFar.has(g), `${p.label}: "${name}" names gold (${g}) before it was dug: ${raw}`);
      }
    }
    p.assertClean();
  }
});
