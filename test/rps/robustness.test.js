'use strict';
// Garbage and floods: every emit with an ack gets an error ack (or ok for a retry of the same
// move), emits without an ack are ignored, the server does not crash, and the room goes on to
// settle rounds normally.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { useServer } = require('./lib/server');
const { connect, assertError, assertOk } = require('./lib/client');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');

const ctx = useServer({ roundDuration: '15s', roundGap: '100ms', grace: '10s' });

// Payload variants for "choose" in open round r after choosing `move`, with the ack code each
// must get (null: {ok:true}; an array: any of those codes).
function variants(r, move, other) {
  return [
    [{ round: r, move }, null],
    [{ round: r, move: other }, 'already_chosen'],
    [{ round: r + 1, move }, 'round_closed'],
    [{ round: r - 1 || r + 5, move }, 'round_closed'],
    [{ round: String(r), move }, 'bad_request'],
    [{ round: r + 0.25, move }, 'bad_request'],
    [{ round: r, move: 'spock' }, 'bad_request'],
    [{ round: r }, 'bad_request'],
    [{ move }, 'bad_request'],
    ['garbage', 'bad_request'],
    [12345, 'bad_request'],
    [[r, move], 'bad_request'],
    [null, 'bad_request'],
    [{ round: { $gt: 0 }, move }, 'bad_request'],
    [{ round: r, move: 'x'.repeat(10000) }, 'bad_request'],
    [{ round: r, move: { toString: 'rock' } }, 'bad_request'],
    [Buffer.from([0, 1, 2, 3]), 'bad_request'],
    [{ round: -1e308, move }, 'bad_request'],
    // An integral round beyond any round number: not the open round, and beyond int32 (the
    // contract does not say which code; the server says bad_request).
    [{ round: 1e300, move }, ['bad_request', 'round_closed']],
  ];
}

it('a flood of 200 chooses mixed with garbage: every ack right, and the room plays on', async (t) => {
  const { players: [a, b], roomId, start } = await fillRoom(t, ctx.server, 2, { prefix: 'flood' });
  const r = start.round;
  const vs = variants(r, 'rock', 'paper');
  // The first choose locks rock in; events of one client are handled in order.
  const sends = [[{ round: r, move: 'rock' }, null]];
  for (let i = 1; sends.length < 200; i++) sends.push(vs[i % vs.length]);
  const garbage = [];
  const acks = [];
  for (const [i, [payload, code]] of sends.entries()) {
    acks.push(a.ack('choose', payload).then((ack) => [i, payload, code, ack]));
    if (i % 4 === 0) {
      a.socket.emit('choose', { round: r, move: 'scissors' }); // no ack: must be ignored (and not change the move)
      a.socket.emit('choose');
      garbage.push(a.ack(`spam-${i}`, { i }).then((ack) => assertError(ack, 'unknown_event', `spam-${i}`)));
    }
    if (i % 10 === 0) {
      a.socket.emit('leave-not', 1, 2, 3);
      garbage.push(a.ack('join', { size: 'many' }).then((ack) => assertError(ack, 'bad_request', 'join size many')));
      garbage.push(a.ack('join', { size: 3 }).then((ack) => {
        assertOk(ack, 'join while seated', ['room']);
        assert.equal(ack.room.id, roomId);
      }));
    }
  }
  const results = await Promise.all(acks);
  await Promise.all(garbage);
  const counts = {};
  for (const [i, payload, code, ack] of results) {
    const label = `choose #${i} ${JSON.stringify(payload)?.slice(0, 60)}`;
    if (code === null) assertOk(ack, label);
    else if (Array.isArray(code)) assertError(ack, code.includes(ack?.error?.code) ? ack.error.code : code[0], label);
    else assertError(ack, code, label);
    const got = ack.ok ? 'ok' : ack.error.code;
    counts[got] = (counts[got] || 0) + 1;
  }
  assert.equal(results.length, 200);
  for (const code of ['ok', 'already_chosen', 'round_closed', 'bad_request']) assert.ok(counts[code] > 0, `some ${code}`);

  // a locked in once, with its first move; b settles the round.
  await b.next('chosen', (c) => c.playerId === a.id);
  assertOk(await b.choose(r, 'scissors'), 'b chooses');
  const { result } = await resultOf([a, b], r);
  assert.deepEqual(result.moves, { [a.id]: 'rock', [b.id]: 'scissors' }, 'the first move counts');
  for (const p of [a, b]) {
    assert.equal(p.all('chosen', (c) => c.round === r && c.playerId === a.id).length, 1, `${p.label}: one "chosen" for a`);
  }

  // The next round plays normally, with garbage from b (no acks) during it.
  const next = await a.next('start', (s) => s.round === r + 1);
  await b.next('start', (s) => s.round === r + 1);
  for (let i = 0; i < 100; i++) {
    b.socket.emit('choose', i % 2 ? 'junk' : { round: next.round, move: i % 3 ? 42 : 'lizard' });
    b.socket.emit(`nope-${i}`, { deep: { deeper: [i] } });
  }
  await chooseAll([a, b], next.round, ['paper', 'paper']);
  const r2 = await resultOf([a, b], next.round);
  assert.deepEqual(r2.result.moves, { [a.id]: 'paper', [b.id]: 'paper' });
  assert.deepEqual(r2.result.players.map((p) => p.x), [0, 0]);

  const health = await ctx.server.api('/healthz');
  assert.deepEqual(health, { ok: true });
  assert.ok(ctx.server.isAlive());
  assert.doesNotMatch(ctx.server.stderr(), /panic|goroutine \d+ \[/, 'no panic in the server log');
  for (const p of [a, b]) p.assertClean();
});

it('many players flooding at once, and a fresh pair still plays', async (t) => {
  // Ten players with no seat each send 50 garbage emits with acks, concurrently.
  const spammers = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(t, ctx.server, { name: `spam-${i}` })));
  await Promise.all(spammers.map(async (p) => {
    const acks = [];
    for (let i = 0; i < 50; i++) {
      switch (i % 5) {
        case 0: acks.push(p.ack('choose', { round: 1, move: 'rock' }).then((x) => assertError(x, 'not_in_room'))); break;
        case 1: acks.push(p.ack('choose', 'x').then((x) => assertError(x, 'bad_request'))); break;
        case 2: acks.push(p.ack('leave').then((x) => assertError(x, 'not_in_room'))); break;
        case 3: acks.push(p.ack('join', { size: 1 }).then((x) => assertError(x, 'bad_request'))); break;
        default: acks.push(p.ack('spin', i).then((x) => assertError(x, 'unknown_event')));
      }
    }
    await Promise.all(acks);
    p.assertClean();
  }));
  const { players, start } = await fillRoom(t, ctx.server, 2, { prefix: 'after' });
  await chooseAll(players, start.round, ['scissors', 'paper']);
  const { result } = await resultOf(players, start.round);
  assert.deepEqual(result.players.map((p) => p.x), [1, -1]);
  for (const p of players) p.assertClean();
});
