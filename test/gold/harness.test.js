'use strict';
// Self-test of the wire checks the other tests rely on: a malformed payload or a payload that
// shows a closed cell must be reported, a well-formed one must not.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { GoldPlayer, checkEvent } = require('./lib/client');

// A player without a socket, fed events by hand.
function fakePlayer() {
  const p = Object.create(GoldPlayer.prototype);
  Object.assign(p, { label: 'fake', problems: [], waiters: new Set(), open: new Map(), dugGold: new Set(), seqs: new Map() });
  return p;
}

const turn = { roomId: 'r', playerId: 'a', deadline: Date.now() + 1000, duration: 1000 };

it('checks payload shapes', () => {
  const board = { roomId: 'r', width: 3, height: 3, gold: 2, remaining: 2, opened: [], scores: { a: 0 }, turn: null, over: false, winners: [], seq: 1 };
  assert.deepEqual(checkEvent('board', [board]), []);
  assert.deepEqual(checkEvent('board', [{ ...board, turn }]), []);
  assert.ok(checkEvent('board', [{ ...board, cells: [] }]).length, 'extra key');
  assert.ok(checkEvent('board', [{ ...board, seq: 0 }]).length, 'seq 0');
  assert.ok(checkEvent('board', [{ ...board, opened: [{ x: 5, y: 0, value: 1 }] }]).length, 'cell off the board');
  assert.ok(checkEvent('board', [{ ...board, opened: [{ x: 0, y: 0, value: -1 }] }]).length, 'gold without by');
  assert.ok(checkEvent('board', [{ ...board, over: true }]).length, 'over without winners');
  const dug = { roomId: 'r', by: 'a', x: 1, y: 1, gold: false, opened: [{ x: 1, y: 1, value: 0 }, { x: 0, y: 0, value: 1 }], remaining: 2, scores: { a: 0 }, seq: 2 };
  assert.deepEqual(checkEvent('dug', [dug]), []);
  assert.ok(checkEvent('dug', [{ ...dug, opened: [{ x: 0, y: 0, value: 1 }] }]).length, 'dug cell not first');
  assert.ok(checkEvent('dug', [{ ...dug, opened: [...dug.opened, { x: 2, y: 2, value: -1, by: 'a' }] }]).length, 'flood opened gold');
  assert.ok(checkEvent('dug', [{ ...dug, gold: true }]).length, 'gold flag without a gold cell');
  assert.deepEqual(checkEvent('over', [{ roomId: 'r', scores: { a: 2, b: 2, c: 1 }, winners: ['a', 'b'], seq: 9 }]), []);
  assert.ok(checkEvent('over', [{ roomId: 'r', scores: { a: 2, b: 1 }, winners: ['b'], seq: 9 }]).length, 'a winner without the best score');
  assert.ok(checkEvent('turn', [{ ...turn }]).length, 'turn without seq');
  assert.deepEqual(checkEvent('turn', [{ ...turn, seq: 3 }]), []);
  assert.ok(checkEvent('room', [{ id: 'r', size: 2, state: 'playing', players: [{ id: 'a', name: 'A', connected: true, score: 0, gold: [1] }], seq: 1 }]).length, 'extra player key');
  assert.ok(checkEvent('start', [{}]).length, 'an rps event');
});

it('flags any mention of a closed cell, and gold before it is dug', () => {
  const p = fakePlayer();
  p.learn('dug', { roomId: 'r', by: 'a', x: 1, y: 1, gold: false, opened: [{ x: 1, y: 1, value: 1 }] });
  assert.deepEqual(p.problems, []);
  p.learn('turn', { roomId: 'r', playerId: 'b', deadline: 1, duration: 1, hint: { x: 2, y: 2 } });
  assert.equal(p.problems.length, 1, 'a closed cell in a turn');
  const q = fakePlayer();
  q.learn('dug', { roomId: 'r', by: 'a', x: 0, y: 0, gold: false, opened: [{ x: 0, y: 0, value: 0 }, { x: 1, y: 0, value: -1, by: 'a' }] });
  assert.ok(q.problems.some((m) => m.includes('shows gold')), 'gold opened by a flood');
  const r = fakePlayer();
  r.learn('dug', { roomId: 'r', by: 'a', x: 0, y: 0, gold: true, opened: [{ x: 0, y: 0, value: -1, by: 'a' }] });
  r.learn('board', { roomId: 'r', opened: [{ x: 0, y: 0, value: -1, by: 'a' }] });
  assert.deepEqual(r.problems, [], 'a dug gold cell may be shown');
  r.learn('board', { roomId: 'r', opened: [{ x: 0, y: 0, value: 2 }] });
  assert.equal(r.problems.length, 1, 'a board contradicting a dug');
  r.learn('dug', { roomId: 'r', by: 'b', x: 0, y: 0, gold: true, opened: [{ x: 0, y: 0, value: -1, by: 'b' }] });
  assert.ok(r.problems.some((m) => m.includes('again')), 'a cell opened twice');
});
