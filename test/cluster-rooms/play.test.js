'use strict';
// Players on different nodes meet in one room and play: rounds settled early (everyone chose)
// and at the deadline (forfeits), scored by the reference rules (test/rps/lib/rules.js), every
// event of a change carrying that change's seq. Concurrent joins through two nodes pair up
// exactly; the lobby and the stats are the cluster's, whichever node is asked.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, fillAcross, waitUntil } = require('./lib/cluster');
const { assertOk } = require('../rps/lib/client');
const { settle } = require('../rps/lib/rules');
const { assertRoomMatchesResult } = require('../rps/lib/rounds');

const ROUND_MS = 2500;
const SETTLE_BOUND_MS = 2000; // a round is settled no later than 2 s after its deadline

it('3 players on 3 nodes: one room, rounds settled early and at the deadline with the seed\'s scoring', async (t) => {
  const c = await startCluster(t, { nodes: 3, roundDuration: `${ROUND_MS}ms`, roundGap: '200ms', grace: '10s' });
  const { players, roomId, room, start: first } = await fillAcross(c, [0, 1, 2], { prefix: 'tri' });
  assert.deepEqual(room, {
    id: roomId,
    size: 3,
    state: 'playing',
    round: 1,
    players: players.map((p, i) => ({ id: p.id, name: `tri-${i + 1}`, connected: true, total: 0, streak: 0 })),
  }, 'the room when full');

  // Moves of a, b, d (null: does not choose, forfeits at the deadline). Each round is either
  // settled early (all chose) or at its deadline.
  const rounds = [
    ['rock', 'scissors', 'scissors'],
    ['paper', 'rock', null],
    [null, null, null],
    ['scissors', 'paper', 'paper'],
    ['rock', 'paper', 'paper'],
  ];
  let standing = room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));
  let lastSeq = 0;
  for (const [i, moves] of rounds.entries()) {
    const round = i + 1;
    let start = first; // round 1's, already consumed by fillAcross
    if (round > 1) {
      const starts = await Promise.all(players.map((p) => p.nextEntry('start', (s) => s.round === round, { timeout: ROUND_MS + 8000 })));
      start = starts[0].data;
      for (const s of starts) assert.deepEqual(s.data, start, `round ${round}: same "start" on every node`);
    }
    const early = moves.every((m) => m !== null);

    // One at a time, each through its own node; everyone sees each "chosen" before the next.
    let lastChosenSeq = 0;
    for (const [k, p] of players.entries()) {
      if (moves[k] === null) continue;
      assertOk(await p.choose(round, moves[k]), `${p.label} chooses ${moves[k]} in round ${round}`);
      const seen = await Promise.all(players.map((q) => q.nextEntry('chosen', (x) => x.round === round && x.playerId === p.id)));
      for (const e of seen) assert.equal(e.seq, seen[0].seq, `round ${round}: one seq for ${p.label}'s "chosen" on every node`);
      assert.ok(seen[0].seq > Math.max(lastSeq, lastChosenSeq), `round ${round}: "chosen" seq ${seen[0].seq} grows`);
      lastChosenSeq = seen[0].seq;
    }

    const entries = await Promise.all(players.map((p) => p.nextEntry('result', (r) => r.round === round, { timeout: ROUND_MS + 8000 })));
    const result = entries[0].data;
    for (const e of entries) {
      assert.deepEqual(e.data, result, `round ${round}: the same "result" on every node`);
      assert.equal(e.seq, entries[0].seq, `round ${round}: one seq for the "result"`);
    }
    const firstAt = Math.min(...entries.map((e) => e.at));
    const lastAt = Math.max(...entries.map((e) => e.at));
    if (early) {
      assert.ok(lastAt < start.deadline - 500, `round ${round}: settled as soon as everyone chose (${start.deadline - lastAt} ms before the deadline)`);
      assert.equal(entries[0].seq, lastChosenSeq, `round ${round}: the last "chosen" and the "result" are one change`);
    } else {
      assert.ok(firstAt >= start.deadline, `round ${round}: settled at the deadline, not before (${firstAt - start.deadline} ms)`);
      assert.ok(lastAt <= start.deadline + SETTLE_BOUND_MS, `round ${round}: result ${lastAt - start.deadline} ms after the deadline`);
      assert.ok(entries[0].seq > Math.max(lastSeq, lastChosenSeq), `round ${round}: the settlement is a change of its own`);
    }
    assert.deepEqual(result.moves, Object.fromEntries(players.map((p, k) => [p.id, moves[k]])), `round ${round}: moves`);
    standing = settle(standing, result.moves);
    assert.deepEqual(result.players, standing, `round ${round}: scores by the reference rules`);
    const after = await Promise.all(players.map((p) => p.nextEntry('room', (r) => r.round === round)));
    for (const [k, e] of after.entries()) {
      assertRoomMatchesResult(e.data, result, `${players[k].label} round ${round}`);
      assert.equal(e.seq, entries[0].seq, `round ${round}: "room" and "result" are one change`);
    }
    lastSeq = entries[0].seq;
  }
  // Worked out by hand: a won rounds 1 (x 2), 2 (x 2, streak 2: 4) and 4 (x 2); b and d round 5.
  assert.deepEqual(standing.map((s) => s.total), [8, 1, 1], 'final totals');
  for (const p of players) {
    for (let round = 1; round <= rounds.length; round++) {
      assert.equal(p.all('result', (r) => r.round === round).length, 1, `${p.label}: exactly one "result" of round ${round}`);
    }
    p.assertClean();
  }
});

it('two players pressing join at the same moment on different nodes meet in one room (20 times)', async (t) => {
  const c = await startCluster(t, { nodes: 2, roundDuration: '60s', roundGap: '200ms', grace: '10s' });
  const apart = [];
  for (let i = 0; i < 20; i++) {
    const pair = await Promise.all([0, 1].map((n) => c.connect(c.nodes[n], { name: `at-once-${i}-${n}`, label: `at-once-${i}@node${n}` })));
    const acks = await Promise.all(pair.map((p) => p.join(2)));
    for (const [k, ack] of acks.entries()) assertOk(ack, `${pair[k].label} join`, ['room']);
    if (acks[0].room.id !== acks[1].room.id) {
      apart.push(`pair ${i}: ${acks[0].room.id} (${acks[0].room.players.length} seated) and ${acks[1].room.id} (${acks[1].room.players.length} seated)`);
      // Pair the two halves off (the next pair would otherwise fill them) and go on counting.
      for (const p of pair) assertOk(await p.leave(), `${p.label} leaves`);
      continue;
    }
    const starts = await Promise.all(pair.map((p) => p.next('start', (s) => s.roomId === acks[0].room.id)));
    assert.deepEqual(starts[0], starts[1], `pair ${i}: one start`);
    for (const p of pair) p.assertClean();
  }
  assert.deepEqual(apart, [], `${apart.length} of 20 pairs who joined at once were put in two rooms of one player each`);
});

it('concurrent joins through two nodes pair up exactly; lobby and stats are cluster-wide', async (t) => {
  // Rounds long enough that none is settled before the stats are read.
  const c = await startCluster(t, { nodes: 2, roundDuration: '60s', roundGap: '200ms', grace: '10s' });
  const N = 16;
  const players = await Promise.all(Array.from({ length: N }, (_, i) => c.connect(c.nodes[i % 2], {
    name: `pair-${i + 1}`, label: `pair-${i + 1}@node${i % 2}`,
  })));
  const acks = await Promise.all(players.map((p) => p.join(2)));
  for (const [i, ack] of acks.entries()) assertOk(ack, `${players[i].label} join`, ['room']);
  // Every player's room starts: it was filled by exactly one other player.
  await waitUntil(async () => !(await c.nodes[0].api('/api/rooms')).rooms.some((r) => r.state === 'waiting'), {
    timeout: 5000, what: 'no room left waiting',
  }).catch(async () => {
    const rooms = (await c.nodes[0].api('/api/rooms')).rooms;
    assert.fail(`${N} players joined rooms of 2 at once and ${rooms.filter((r) => r.state === 'waiting').length} rooms are left waiting `
      + `with one player each: concurrent joins did not meet. Lobby: ${JSON.stringify(rooms)}; join acks: `
      + `${JSON.stringify(acks.map((a, i) => `${players[i].label}→${a.room.id}/${a.room.players.length}`))}`);
  });
  const starts = await Promise.all(players.map((p) => p.next('start', () => true, { timeout: 10000 })));
  const byRoom = new Map();
  for (const [i, s] of starts.entries()) {
    if (!byRoom.has(s.roomId)) byRoom.set(s.roomId, []);
    byRoom.get(s.roomId).push(players[i].id);
  }
  assert.equal(byRoom.size, N / 2, `${N} players in ${N / 2} rooms: ${JSON.stringify([...byRoom.values()])}`);
  for (const [id, members] of byRoom) assert.equal(members.length, 2, `room ${id}: ${members}`);
  for (const [i, p] of players.entries()) {
    const playing = await p.next('room', (r) => r.state === 'playing');
    assert.equal(playing.id, starts[i].roomId, `${p.label}: the room that started is its own`);
    assert.deepEqual(playing.players.map((x) => x.id).sort(), [...byRoom.get(playing.id)].sort(), `${p.label}: its room's roster`);
  }

  // Both nodes list the same rooms, and count every node's connections.
  const want = [...byRoom.keys()].sort().map((id) => ({ id, game: 'rps', size: 2, state: 'playing', players: 2 }));
  for (const node of c.nodes) {
    const rooms = (await node.api('/api/rooms')).rooms.sort((x, y) => (x.id < y.id ? -1 : 1));
    assert.deepEqual(rooms, want, `${node.label}: /api/rooms`);
    const stats = await waitUntil(async () => {
      const s = await node.api('/api/stats');
      return s.connections === N && s.nodes === 2 && s;
    }, { timeout: 10000, what: `${node.label}: /api/stats counts ${N} connections on 2 nodes` }).catch(async (err) => {
      assert.fail(`${err.message}: ${JSON.stringify(await node.api('/api/stats'))}`);
    });
    assert.deepEqual(stats, {
      connections: N, nodes: 2, rooms: N / 2, waiting: 0, playing: N / 2, over: 0, players: N, roundsSettled: 0,
    }, `${node.label}: /api/stats`);
  }
  for (const p of players) p.assertClean();
});

it('a burst of 200 joins through two nodes: every join answered ok, 100 full rooms', async (t) => {
  const c = await startCluster(t, { nodes: 2, roundDuration: '60s', roundGap: '200ms', grace: '10s' });
  const N = 200;
  const players = [];
  for (let i = 0; i < N; i += 50) {
    players.push(...await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, k) => c.connect(c.nodes[(i + k) % 2], {
      name: `burst-${i + k}`, label: `burst-${i + k}@node${(i + k) % 2}`,
    }))));
  }
  const acks = await Promise.all(players.map((p) => p.join(2)));
  const refused = acks.map((a, i) => (a && a.ok === true ? null : `${players[i].label}: ${JSON.stringify(a)}`)).filter(Boolean);
  assert.equal(refused.length, 0, `${refused.length} of ${N} joins refused, e.g.\n  ${refused.slice(0, 3).join('\n  ')}`);
  await waitUntil(async () => {
    const rooms = (await c.nodes[1].api('/api/rooms')).rooms;
    return rooms.length === N / 2 && rooms.every((r) => r.state === 'playing' && r.players === 2);
  }, { timeout: 10000, what: `${N / 2} full rooms` }).catch(async (err) => {
    const rooms = (await c.nodes[1].api('/api/rooms')).rooms;
    assert.fail(`${err.message}: ${rooms.length} rooms, ${rooms.filter((r) => r.state === 'waiting').length} waiting`);
  });
  for (const p of players) p.assertClean();
});
