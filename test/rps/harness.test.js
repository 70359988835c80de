'use strict';
// Self-test of the wire checks the other tests rely on: a leak or a malformed payload must be
// reported, a well-formed one must not.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { checkEvent, checkRaw } = require('./lib/client');
const { settle, fresh } = require('./lib/rules');

it('flags a move in chosen/room/start, and wrong payload keys', () => {
  const chosen = { roomId: 'r1', round: 1, playerId: 'p1', seq: 3 };
  assert.deepEqual(checkEvent('chosen', [chosen]), []);
  assert.equal(checkEvent('chosen', [{ ...chosen, move: 'rock' }]).length, 1, 'extra move key');
  assert.equal(checkEvent('chosen', [{ ...chosen, playerId: 'paper' }]).length, 1, 'a move as a value');
  assert.equal(checkEvent('chosen', [{ roomId: 'r1', round: 1, seq: 3 }]).length, 1, 'missing key');
  assert.equal(checkEvent('chosen', [{ roomId: 'r1', round: 1, playerId: 'p1' }]).length, 1, 'missing seq');
  assert.equal(checkEvent('chosen', [{ ...chosen, seq: 0 }]).length, 1, 'seq 0');
  assert.equal(checkEvent('chosen', [{ ...chosen, seq: 1.5 }]).length, 1, 'fractional seq');
  const room = { id: 'r1', size: 2, state: 'playing', round: 1, seq: 4, players: [
    { id: 'p1', name: 'n1', connected: true, total: 0, streak: 0 },
    { id: 'p2', name: 'n2', connected: false, total: 3, streak: 1 }] };
  assert.deepEqual(checkEvent('room', [room]), []);
  assert.ok(checkEvent('room', [{ ...room, players: [{ ...room.players[0], move: null }, room.players[1]] }]).length > 0);
  assert.ok(checkEvent('room', [{ ...room, players: [{ ...room.players[0], lastMove: 'scissors' }, room.players[1]] }]).length > 0);
  const start = { roomId: 'r1', round: 2, deadline: Date.now() + 1000, duration: 1000, seq: 5 };
  assert.deepEqual(checkEvent('start', [start]), []);
  assert.ok(checkEvent('start', [{ ...start, moves: {} }]).length > 0);
  const result = { roomId: 'r1', round: 1, seq: 6, moves: { p1: 'rock', p2: null }, players: [
    { id: 'p1', x: 1, streak: 1, score: 1, total: 1 }, { id: 'p2', x: -1, streak: 0, score: 0, total: 0 }] };
  assert.deepEqual(checkEvent('result', [result]), [], 'moves are fine in a result');
  assert.ok(checkEvent('surprise', [{}]).length > 0, 'unknown server event');
});

it('flags a move in the raw text of any event packet but result', () => {
  assert.equal(checkRaw('2/rps,["chosen",{"roomId":"r","round":1,"playerId":"p"}]'), null);
  assert.ok(checkRaw('2/rps,["chosen",{"roomId":"r","round":1,"playerId":"p","hint":"rock"}]'));
  assert.ok(checkRaw('2/rps,["room",{"move":1}]'));
  assert.equal(checkRaw('2/rps,["result",{"moves":{"p":"rock"}}]'), null);
  assert.equal(checkRaw('2/rps,["welcome",{"token":"xrockx.PAPERy"}]'), null, 'random text is not a move');
  assert.equal(checkRaw('3/rps,7[{"ok":false,"error":{"code":"bad_request","message":"rock|paper"}}]'), null, 'acks are not events');
});

it('reference rules: pairs, forfeits, streaks', () => {
  const r1 = settle(fresh(['a', 'b', 'c']), { a: 'rock', b: 'scissors', c: null });
  assert.deepEqual(r1, [
    { id: 'a', x: 2, streak: 1, score: 2, total: 2 },
    { id: 'b', x: 0, streak: 0, score: 0, total: 0 },
    { id: 'c', x: -2, streak: 0, score: 0, total: 0 },
  ]);
  const r2 = settle(r1, { a: 'paper', b: 'rock', c: 'rock' });
  assert.deepEqual(r2[0], { id: 'a', x: 2, streak: 2, score: 4, total: 6 });
  assert.deepEqual(settle(fresh(['a', 'b']), {}).map((p) => p.x), [0, 0], 'nobody chose');
});
