'use strict';
// Connection refusals and every ack error code of the /rps contract, with malformed payloads of
// many shapes. One server for the file; each test gives its seats up at its end.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { describe, it } = require('node:test');
const { useServer } = require('./lib/server');
const { Player, connect, track, assertError, assertOk } = require('./lib/client');
const { fillRoom, resultOf } = require('./lib/game');

const ctx = useServer({ roundDuration: '5s', roundGap: '150ms', grace: '5s' });

describe('connecting', () => {
  it('welcomes a player with {playerId, name, token}', async (t) => {
    const a = await connect(t, ctx.server, { name: 'ann' });
    assert.equal(a.welcome.name, 'ann');
    const anon = await connect(t, ctx.server, {});
    assert.match(anon.welcome.name, /^player-\S{6}$/, 'a player without a name gets player-xxxxxx');
    assert.notEqual(anon.id, a.id, 'two players, two ids');
    assert.notEqual(anon.token, a.token);
    a.assertClean();
    anon.assertClean();
  });

  it('comes back as the same player with its token', async (t) => {
    const a = await connect(t, ctx.server, { name: 'ann' });
    a.close();
    const again = await connect(t, ctx.server, { name: 'ann', token: a.token });
    assert.equal(again.id, a.id);
    assert.equal(typeof again.token, 'string');
  });

  const forged = (id, secret) => `${id}.${crypto.createHmac('sha256', secret).update(id).digest('base64url')}`;
  const badTokens = {
    garbage: 'not-a-token',
    'empty signature': 'abc.',
    'tampered signature': null, // filled from a real token below
    'signed with another secret': forged('somebody', 'not-the-secret'),
    'very long': `${'x'.repeat(300)}.${'y'.repeat(43)}`,
  };
  for (const [what, token] of Object.entries(badTokens)) {
    it(`refuses a bad token (${what}) with "invalid token" / invalid_token`, async (t) => {
      let tok = token;
      if (tok === null) {
        const a = await connect(t, ctx.server, {});
        a.close();
        const [id, sig] = a.token.split('.');
        tok = `${id}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
      }
      const p = track(t, new Player(ctx.server, { token: tok, label: what }));
      const err = await p.refused();
      assert.ok(err.message.startsWith('invalid token'), `message ${JSON.stringify(err.message)}`);
      assert.deepEqual(err.data, { code: 'invalid_token' });
    });
  }

  for (const [what, name] of Object.entries({ number: 42, object: { first: 'ann' }, array: ['ann'], boolean: true })) {
    it(`refuses a non-string name (${what}) with bad_request`, async (t) => {
      const p = track(t, new Player(ctx.server, { auth: { name }, label: `name ${what}` }));
      const err = await p.refused();
      assert.deepEqual(err.data, { code: 'bad_request' });
      assert.equal(typeof err.message, 'string');
    });
  }

  it('accepts a name of 64 bytes, refuses 65 bytes with bad_request', async (t) => {
    const ok64 = await connect(t, ctx.server, { name: 'n'.repeat(64) });
    assert.equal(ok64.welcome.name, 'n'.repeat(64));
    const okUtf8 = await connect(t, ctx.server, { name: 'é'.repeat(32) }); // 64 bytes
    assert.equal(okUtf8.welcome.name, 'é'.repeat(32));
    for (const [what, name] of [['65 ASCII bytes', 'n'.repeat(65)], ['33 two-byte characters', 'é'.repeat(33)]]) {
      const p = track(t, new Player(ctx.server, { name, label: what }));
      const err = await p.refused();
      assert.deepEqual(err.data, { code: 'bad_request' }, what);
    }
  });

  it('refuses a non-string token', async (t) => {
    // The contract does not name the code for this one; either refusal code is acceptable.
    const p = track(t, new Player(ctx.server, { auth: { token: 12345 }, label: 'token number' }));
    const err = await p.refused();
    assert.ok(['bad_request', 'invalid_token'].includes(err.data && err.data.code), `data ${JSON.stringify(err.data)}`);
  });
});

describe('acks of a player with no seat', () => {
  it('choose and leave → not_in_room', async (t) => {
    const p = await connect(t, ctx.server, { name: 'loner' });
    assertError(await p.choose(1, 'rock'), 'not_in_room', 'choose');
    assertError(await p.leave(), 'not_in_room', 'leave');
    assertError(await p.ack('leave'), 'not_in_room', 'leave without payload');
    p.assertClean();
  });

  it('join with a bad size or shape → bad_request', async (t) => {
    const p = await connect(t, ctx.server, { name: 'picky' });
    const bad = {
      'size 1': { size: 1 },
      'size 9': { size: 9 },
      'size 0': { size: 0 },
      'size -2': { size: -2 },
      'size 2.5': { size: 2.5 },
      'size "two"': { size: 'two' },
      'size "2"': { size: '2' },
      'size true': { size: true },
      'size []': { size: [] },
      'size {}': { size: {} },
      'payload "two"': 'two',
      'payload 3': 3,
      'payload [2]': [2],
      'payload true': true,
    };
    for (const [what, payload] of Object.entries(bad)) {
      assertError(await p.ack('join', payload), 'bad_request', `join ${what}`);
    }
    // None of these seated the player.
    assertError(await p.leave(), 'not_in_room', 'leave after the bad joins');
    p.assertClean();
  });

  it('join accepts every size from 2 to 8, and no payload at all (size 2)', async (t) => {
    for (let size = 2; size <= 8; size++) {
      const p = await connect(t, ctx.server, { name: `size-${size}` });
      const ack = await p.join(size);
      assertOk(ack, `join size ${size}`, ['room']);
      assert.equal(ack.room.size, size);
      assert.equal(ack.room.state, 'waiting');
      assert.equal(ack.room.round, 0);
      assert.deepEqual(ack.room.players, [{ id: p.id, name: `size-${size}`, connected: true, total: 0, streak: 0 }]);
      assertOk(await p.leave(), 'leave');
    }
    const p = await connect(t, ctx.server, { name: 'default' });
    const ack = await p.ack('join');
    assertOk(ack, 'join without payload', ['room']);
    assert.equal(ack.room.size, 2);
    assertOk(await p.leave(), 'leave');
  });
});

describe('unknown events', () => {
  it('acks unknown events with unknown_event and ignores them without an ack', async (t) => {
    const p = await connect(t, ctx.server, { name: 'curious' });
    for (const [name, ...args] of [['dance', {}], ['JOIN', {}], ['Choose', { round: 1, move: 'rock' }],
      ['start', {}], ['result', {}], ['room'], ['welcome', 1, 2, 3], ['join ', {}]]) {
      assertError(await p.ack(name, ...args), 'unknown_event', `"${name}"`);
    }
    p.socket.emit('dance', { no: 'ack' });
    p.socket.emit('whatever');
    // Still served, in order.
    assertError(await p.leave(), 'not_in_room', 'leave after the unknown events');
    p.assertClean();
  });
});

describe('choose in a room', () => {
  it('round_closed while the room waits; malformed choices → bad_request', async (t) => {
    const p = await connect(t, ctx.server, { name: 'early' });
    assertOk(await p.join(3), 'join', ['room']);
    assertError(await p.choose(1, 'rock'), 'round_closed', 'choose round 1 in a waiting room');
    assertError(await p.choose(0, 'rock'), 'bad_request', 'choose round 0');
    assertOk(await p.leave(), 'leave');
  });

  it('bad_request for malformed payloads in an open round, and the round still plays', async (t) => {
    const { players: [a, b], start } = await fillRoom(t, ctx.server, 2, { prefix: 'shape' });
    const r = start.round;
    const bad = {
      'missing round': { move: 'rock' },
      'round as string': { round: String(r), move: 'rock' },
      'fractional round': { round: r + 0.5, move: 'rock' },
      'round 0': { round: 0, move: 'rock' },
      'negative round': { round: -r, move: 'rock' },
      'round null': { round: null, move: 'rock' },
      'round true': { round: true, move: 'rock' },
      'round [1]': { round: [r], move: 'rock' },
      'round object': { round: { n: r }, move: 'rock' },
      'missing move': { round: r },
      'unknown move': { round: r, move: 'lizard' },
      'move "Rock"': { round: r, move: 'Rock' },
      'move " rock"': { round: r, move: ' rock' },
      'move ""': { round: r, move: '' },
      'move null': { round: r, move: null },
      'move 1': { round: r, move: 1 },
      'move ["rock"]': { round: r, move: ['rock'] },
      'move object': { round: r, move: { name: 'rock' } },
      'payload "rock"': 'rock',
      'payload 1': 1,
      'payload null': null,
      'payload [1, "rock"]': [r, 'rock'],
      'payload true': true,
      'payload binary': Buffer.from('{"round":1,"move":"rock"}'),
    };
    for (const [what, payload] of Object.entries(bad)) {
      assertError(await a.ack('choose', payload), 'bad_request', `choose ${what}`);
    }
    assertError(await a.ack('choose'), 'bad_request', 'choose without payload');
    // Nothing was locked in by those: a can still choose anything.
    assert.deepEqual(a.all('chosen'), [], 'no "chosen" after malformed chooses');
    assertOk(await a.choose(r, 'paper'), 'a chooses paper');
    assertOk(await b.choose(r, 'rock'), 'b chooses rock');
    const { result } = await resultOf([a, b], r);
    assert.deepEqual(result.moves, { [a.id]: 'paper', [b.id]: 'rock' });
    a.assertClean();
    b.assertClean();
  });

  it('same move again → ok, another move → already_chosen; old and future rounds → round_closed', async (t) => {
    const { players: [a, b], roomId, start } = await fillRoom(t, ctx.server, 2, { prefix: 'retry' });
    const r = start.round;
    assertError(await a.choose(r + 1, 'rock'), 'round_closed', 'future round');
    assertError(await a.choose(r + 100, 'rock'), 'round_closed', 'far future round');
    assertOk(await a.choose(r, 'rock'), 'first choice');
    assertOk(await a.choose(r, 'rock'), 'same choice again');
    assertOk(await a.choose(r, 'rock'), 'same choice a third time');
    assertError(await a.choose(r, 'paper'), 'already_chosen', 'a different move');
    assertError(await a.choose(r, 'scissors'), 'already_chosen', 'another different move');
    assertError(await a.choose(r, 'lizard'), 'bad_request', 'an unknown move after choosing');
    // One "chosen" for a, seen by both, whatever the retries.
    await b.next('chosen', (c) => c.playerId === a.id);
    assertOk(await b.choose(r, 'scissors'), 'b chooses');
    const { result } = await resultOf([a, b], r);
    assert.deepEqual(result.moves, { [a.id]: 'rock', [b.id]: 'scissors' }, 'the first move counts');
    for (const p of [a, b]) {
      const chosen = p.all('chosen', (c) => c.round === r);
      assert.deepEqual(chosen.map((c) => c.playerId).sort(), [a.id, b.id].sort(), `${p.label}: one "chosen" per player`);
      for (const c of chosen) assert.equal(c.roomId, roomId);
    }
    // Settled: the round is closed, during the gap and once the next one is open.
    assertError(await a.choose(r, 'rock'), 'round_closed', 'settled round, same move');
    assertError(await b.choose(r, 'paper'), 'round_closed', 'settled round, another move');
    const next = await a.next('start', (s) => s.round === r + 1);
    assert.equal(next.roomId, roomId);
    assertError(await a.choose(r, 'rock'), 'round_closed', 'previous round');
    assertError(await a.choose(r + 2, 'rock'), 'round_closed', 'round after the open one');
    assertOk(await a.choose(r + 1, 'paper'), 'the open round');
    a.assertClean();
    b.assertClean();
  });

  it('leave → ok, then leave and choose → not_in_room', async (t) => {
    const { players: [a, b], start } = await fillRoom(t, ctx.server, 2, { prefix: 'quit' });
    assertOk(await a.leave(), 'leave');
    assertError(await a.leave(), 'not_in_room', 'leave again');
    assertError(await a.choose(start.round, 'rock'), 'not_in_room', 'choose after leaving');
    assertError(await b.choose(start.round, 'rock'), 'round_closed', 'the cancelled round');
    a.assertClean();
    b.assertClean();
  });
});
