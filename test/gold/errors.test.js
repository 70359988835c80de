'use strict';
// Every error code of the /gold contract, connect refusals, malformed payloads, unknown events.
const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { useGold, fillRoom, digNext } = require('./lib/game');
const { GoldPlayer, connect, track, assertError, assertOk } = require('./lib/client');

const ctx = useGold({ width: 4, height: 3, count: 2, turn: '10s' });

describe('connecting', () => {
  it('refuses a token not signed by the server, and a non-string name', async (t) => {
    for (const auth of [{ token: 'someone.forged' }, { name: 5 }, { name: 'x'.repeat(65) }]) {
      const p = track(t, new GoldPlayer(ctx.server, { auth, label: JSON.stringify(auth).slice(0, 20) }));
      const err = await p.refused();
      assert.ok(['invalid_token', 'bad_request'].includes(err.data && err.data.code), `code ${JSON.stringify(err.data)}`);
    }
  });

  it('the same token is the same player on /gold as on /rps', async (t) => {
    const { io } = require('socket.io-client');
    const s = io(`${ctx.server.url}/rps`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { name: 'both' } });
    t.after(() => s.disconnect());
    const welcome = await new Promise((resolve) => s.once('welcome', resolve));
    const p = await connect(t, ctx.server, { token: welcome.token });
    assert.equal(p.id, welcome.playerId);
    p.assertClean();
  });
});

describe('acks of a player with no seat', () => {
  it('dig and leave → not_in_room; bad joins → bad_request; unknown events → unknown_event', async (t) => {
    const p = await connect(t, ctx.server, { name: 'loner' });
    assertError(await p.dig(0, 0), 'not_in_room', 'dig');
    assertError(await p.leave(), 'not_in_room', 'leave');
    const bad = {
      'size 1': { size: 1 }, 'size 5': { size: 5 }, 'size 2.5': { size: 2.5 }, 'size "2"': { size: '2' },
      'room 5': { room: 5 }, 'room []': { room: [] }, 'room {}': { room: {} }, 'room too long': { room: 'r'.repeat(65) },
      'payload "two"': 'two', 'payload 3': 3, 'payload [2]': [2], 'payload true': true,
    };
    for (const [what, payload] of Object.entries(bad)) assertError(await p.ack('join', payload), 'bad_request', `join ${what}`);
    // A malformed dig is bad_request whether seated or not: arguments are checked first.
    assertError(await p.ack('dig', { x: 'a', y: 0 }), 'bad_request', 'malformed dig without a seat');
    for (const [name, ...args] of [['choose', { round: 1, move: 'rock' }], ['DIG', { x: 0, y: 0 }], ['board', {}], ['over'], ['dig ', {}]]) {
      assertError(await p.ack(name, ...args), 'unknown_event', `"${name}"`);
    }
    assertError(await p.leave(), 'not_in_room', 'none of those seated the player');
    p.assertClean();
  });
});

describe('dig errors in a room', () => {
  it('not_your_turn before the start and out of turn; bad_request; out_of_bounds; already_open; game_over', async (t) => {
    // Before the start: the room is waiting.
    const early = await connect(t, ctx.server, { name: 'early' });
    assertOk(await early.join({ size: 3 }), 'join', ['room']);
    const board = await early.next('board');
    assert.equal(board.turn, null);
    assertError(await early.dig(0, 0), 'not_your_turn', 'dig while waiting');
    assertOk(await early.leave(), 'leave');

    const { players: [a, b], turn } = await fillRoom(t, ctx.server, 2, { prefix: 'err' });
    assert.equal(turn.playerId, a.id);
    assertError(await b.dig(0, 0), 'not_your_turn', 'b out of turn');
    const bad = {
      'missing y': { x: 0 }, 'missing x': { y: 0 }, 'x as string': { x: '0', y: 0 }, 'fractional': { x: 0.5, y: 0 },
      'null x': { x: null, y: 0 }, 'x true': { x: true, y: 0 }, 'x [0]': { x: [0], y: 0 }, 'payload null': null,
      'payload [0,0]': [0, 0], 'payload "0,0"': '0,0', 'payload 7': 7, 'payload binary': Buffer.from('{"x":0,"y":0}'),
    };
    for (const [what, payload] of Object.entries(bad)) assertError(await a.ack('dig', payload), 'bad_request', `dig ${what}`);
    assertError(await a.ack('dig'), 'bad_request', 'dig without payload');
    for (const [x, y] of [[-1, 0], [0, -1], [4, 0], [0, 3], [1e9, 0], [0, -1e12]]) {
      assertError(await a.dig(x, y), 'out_of_bounds', `dig (${x}, ${y})`);
    }
    assert.deepEqual(a.all('dug'), [], 'no dig happened');
    // A legal dig, then the same cell again.
    assertOk(await a.dig(0, 0), 'a digs (0, 0)');
    const dug = await b.next('dug');
    await b.next('turn', (tu) => tu.playerId === b.id);
    assertError(await b.dig(0, 0), 'already_open', 'dig an open cell');
    for (const c of dug.opened) assertError(await b.dig(c.x, c.y), 'already_open', `dig (${c.x}, ${c.y}) opened by the flood`);
    // Play it out: the players take turns digging closed cells until over.
    let next = await a.next('turn', (tu) => tu.playerId === b.id);
    while (next) ({ next } = await digNext([a, b], next, { width: 4, height: 3 }));
    await a.next('over');
    for (const p of [a, b]) assertError(await p.dig(3, 2), 'game_over', `${p.label} digs after the end`);
    assertError(await a.dig(9, 9), 'game_over', 'game_over before out_of_bounds');
    for (const p of [early, a, b]) p.assertClean();
  });
});
