'use strict';
// Servers and scenario helpers for the /gold tests. The server helpers are test/rps's (the same
// binary, started on a free port, stopped after the test), with the gold flags.
const assert = require('node:assert/strict');
const rpsServer = require('../../rps/lib/server');
const { connect, assertOk } = require('./client');

// Gold settings as flags: width, height, count, turn (a Go duration), grace.
function goldArgs({ width = 4, height = 4, count = 3, turn = '10s' } = {}) {
  return ['--gold-width', String(width), '--gold-height', String(height), '--gold-count', String(count), '--gold-turn', turn];
}

async function startGold(t, { grace = '10s', ...board } = {}) {
  return rpsServer.startServer(t, { grace, extraArgs: goldArgs(board) });
}

function useGold({ grace = '10s', ...board } = {}) {
  return rpsServer.useServer({ grace, extraArgs: goldArgs(board) });
}

// Connects n players (prefix-1..n) who join one room of n seats one after the other, so their
// seat order is their index. Waits for each player's "room" (playing), first "turn" and "board".
// Returns { players, roomId, board, turn }.
async function fillRoom(t, server, n, { prefix = 'g', transports } = {}) {
  const players = [];
  for (let i = 1; i <= n; i++) players.push(await connect(t, server, { name: `${prefix}-${i}`, transports }));
  let roomId;
  for (const [i, p] of players.entries()) {
    const ack = await p.join(roomId === undefined ? { size: n } : { room: roomId });
    assertOk(ack, `${p.label} join`, ['room']);
    roomId = roomId || ack.room.id;
    assert.equal(ack.room.id, roomId, `${p.label} joined another room`);
    assert.equal(ack.room.players[i].id, p.id, `${p.label}: seat ${i}`);
  }
  const turns = await Promise.all(players.map(async (p) => {
    await p.next('room', (r) => r.id === roomId && r.state === 'playing');
    return p.next('turn', (tu) => tu.roomId === roomId);
  }));
  for (const tu of turns) assert.deepEqual(tu, turns[0], 'everyone gets the same first turn');
  assert.equal(turns[0].playerId, players[0].id, 'the first seat plays first');
  const boards = await Promise.all(players.map((p) => p.next('board', (b) => b.roomId === roomId)));
  const board = boards[n - 1]; // the last joiner's, taken after the start
  assert.deepEqual(board.turn, turns[0], 'the filler\'s board shows the first turn');
  return { players, roomId, board, turn: turns[0] };
}

// The player whose turn it is digs the first cell still closed (as far as they know) and
// everyone waits for the resulting "dug"; resolves with { dug, next } where next is the
// following "turn" (null when the dig ended the game).
async function digNext(players, turn, { width, height }) {
  const p = players.find((x) => x.id === turn.playerId);
  const [cell] = p.closedCells(width, height);
  assert.ok(cell, 'a closed cell is left');
  assertOk(await p.dig(cell.x, cell.y), `${p.label} digs (${cell.x}, ${cell.y})`);
  const dugs = await Promise.all(players.map((x) => x.next('dug', (d) => d.x === cell.x && d.y === cell.y)));
  for (const d of dugs) assert.deepEqual(d, dugs[0], 'everyone gets the same "dug"');
  if (dugs[0].remaining === 0) return { dug: dugs[0], next: null };
  const nexts = await Promise.all(players.map((x) => x.next('turn')));
  for (const n of nexts) assert.deepEqual(n, nexts[0], 'everyone gets the same "turn"');
  return { dug: dugs[0], next: nexts[0] };
}

module.exports = { startGold, useGold, fillRoom, digNext, waitUntil: rpsServer.waitUntil };
