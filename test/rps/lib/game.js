'use strict';
// Scenario helpers on top of Player: fill a room, play a round.
const assert = require('node:assert/strict');
const { connect, assertOk, checkEvent } = require('./client');

// Asserts the room view in a join ack is well formed.
function assertRoomView(room, what) {
  assert.deepEqual(checkEvent('room', [room]), [], `${what}: room view`);
}

// Connects n players (named prefix-1..n) who join rooms of `size` (default n) one after the
// other, so their seat order is their index. If that fills the room, waits for every player's
// "room" (playing) and "start" (both consumed). Returns { players, roomId, room, start, starts },
// starts being the { data, at } of each player's "start".
async function fillRoom(t, server, n, { size = n, prefix = 'p', transports } = {}) {
  const players = [];
  for (let i = 1; i <= n; i++) players.push(await connect(t, server, { name: `${prefix}-${i}`, transports }));
  let roomId;
  for (const [i, p] of players.entries()) {
    const ack = await p.join(size);
    assertOk(ack, `${p.label} join`, ['room']);
    assertRoomView(ack.room, `${p.label} join`);
    if (roomId === undefined) roomId = ack.room.id;
    assert.equal(ack.room.id, roomId, `${p.label} joined another room than ${players[0].label}`);
    assert.equal(ack.room.players.length, i + 1, `${p.label} join: players seated`);
    assert.equal(ack.room.players[i].id, p.id, `${p.label} join: seat ${i}`);
  }
  let start;
  let starts; // { data, at } per player
  let room;
  if (n === size) {
    const rooms = await Promise.all(players.map((p) => p.next('room', (r) => r.id === roomId && r.state === 'playing')));
    room = rooms[0];
    for (const r of rooms) assert.deepEqual(r, room, 'every player gets the same "room"');
    starts = await Promise.all(players.map((p) => p.nextEntry('start', (s) => s.roomId === roomId)));
    start = starts[0].data;
    for (const s of starts) assert.deepEqual(s.data, start, 'every player gets the same "start"');
  }
  return { players, roomId, room, start, starts };
}

// Waits for every player's "result" of `round`, checks they all got the same one, and returns
// it with the receive time of the earliest and latest copies.
async function resultOf(players, round, opts = {}) {
  const entries = await Promise.all(players.map((p) => p.nextEntry('result', (r) => r.round === round, { what: `"result" of round ${round}`, ...opts })));
  for (const e of entries) assert.deepEqual(e.data, entries[0].data, 'every player gets the same "result"');
  return {
    result: entries[0].data,
    firstAt: Math.min(...entries.map((e) => e.at)),
    lastAt: Math.max(...entries.map((e) => e.at)),
  };
}

// Every player chooses moves[i] (null: does not choose) for `round`; every choose must be acked ok.
async function chooseAll(players, round, moves) {
  await Promise.all(players.map(async (p, i) => {
    if (moves[i] === null) return;
    assertOk(await p.choose(round, moves[i]), `${p.label} choose ${moves[i]} in round ${round}`);
  }));
}

module.exports = { fillRoom, resultOf, chooseAll, assertRoomView };
