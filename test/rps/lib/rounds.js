'use strict';
// Checks shared by the scenario tests: what a player receives between two rounds.
const assert = require('node:assert/strict');

// Names of the events p received after the "start" of `round` and up to (not including) the
// "start" of round+1 (or the end of what was received). Fails if that start was not received.
function eventsOfRound(p, round) {
  const from = p.events.findIndex((e) => e.name === 'start' && e.data.round === round);
  assert.ok(from >= 0, `${p.label}: no "start" of round ${round}`);
  let to = p.events.findIndex((e, i) => i > from && e.name === 'start');
  if (to < 0) to = p.events.length;
  return p.events.slice(from + 1, to).filter((e) => e.name !== 'disconnect');
}

// Asserts p received exactly: one "chosen" per id in chosenIds (any order, each for `round`),
// then one "result" of `round`, then one "room" — nothing else between this round's start and
// the next one's.
function assertRoundSequence(p, round, chosenIds) {
  const evs = eventsOfRound(p, round);
  const names = evs.map((e) => e.name);
  const want = [...chosenIds.map(() => 'chosen'), 'result', 'room'];
  assert.deepEqual(names, want, `${p.label}: events of round ${round}`);
  const chosen = evs.filter((e) => e.name === 'chosen');
  assert.deepEqual(chosen.map((e) => e.data.playerId).sort(), [...chosenIds].sort(), `${p.label}: "chosen" of round ${round}`);
  for (const e of chosen) assert.equal(e.data.round, round, `${p.label}: "chosen" round`);
  assert.equal(evs[chosenIds.length].data.round, round, `${p.label}: "result" round`);
}

// Asserts the "room" sent after a result carries the standings of the result.
function assertRoomMatchesResult(room, result, what) {
  assert.equal(room.id, result.roomId, `${what}: room id`);
  assert.equal(room.round, result.round, `${what}: room round`);
  assert.deepEqual(
    room.players.map((p) => ({ id: p.id, total: p.total, streak: p.streak })),
    result.players.map((p) => ({ id: p.id, total: p.total, streak: p.streak })),
    `${what}: room standings`,
  );
}

module.exports = { eventsOfRound, assertRoundSequence, assertRoomMatchesResult };
