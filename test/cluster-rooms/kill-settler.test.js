'use strict';
// kill -9 (or SIGSTOP) of the node that made the last change of a room during an open round: that node
// held the round's timer, so another node must claim the due room and settle the round, no
// later than 2 s after its deadline, exactly once; then play goes on, the victim's player
// coming back through a surviving node.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, fillAcross, resultsOf } = require('./lib/cluster');
const { assertOk } = require('../rps/lib/client');
const { resultOf, chooseAll } = require('../rps/lib/game');
const { settle } = require('../rps/lib/rules');

const ROUND_MS = 3000;
const BOUND_MS = 2000;

it('kill -9 the node that made the last change: another node settles the round by deadline + 2 s, once', async (t) => {
  const c = await startCluster(t, { nodes: 3, roundDuration: `${ROUND_MS}ms`, roundGap: '300ms', grace: '15s' });
  const [victim] = c.nodes;
  // a on node0 (the victim), b on node1; node2 has nobody, and races node1 for the due room.
  const { players: [b, a], roomId, room } = await fillAcross(c, [1, 0], { prefix: 'kill' });
  let standing = room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));

  // Round 1: a chooses last, through node0, so node0 settles it and opens round 2 after the gap.
  await chooseAll([b, a], 1, ['rock', null]);
  await a.next('chosen', (x) => x.playerId === b.id);
  await chooseAll([b, a], 1, [null, 'scissors']);
  const r1 = (await resultOf([a, b], 1)).result;
  standing = settle(standing, r1.moves);
  assert.deepEqual(r1.players, standing, 'round 1');

  // Round 2: a chooses (node0 makes the last change), everybody has seen it, then node0 dies.
  const start2 = await b.next('start', (s) => s.round === 2);
  await a.next('start', (s) => s.round === 2);
  assertOk(await a.choose(2, 'paper'), 'a chooses in round 2');
  const chosen = await b.nextEntry('chosen', (x) => x.round === 2 && x.playerId === a.id);
  assert.ok(chosen.at < start2.deadline - 500, `the kill comes well before the deadline (${start2.deadline - chosen.at} ms left)`);
  const killed = await victim.signal('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL', 'node0 was killed');

  // b never chooses: the round is settled at its deadline by node1 or node2, with a's move.
  const r2 = await b.nextEntry('result', (r) => r.round === 2, { timeout: ROUND_MS + BOUND_MS + 5000 });
  assert.ok(r2.at >= start2.deadline, `settled at the deadline, not before (${r2.at - start2.deadline} ms)`);
  assert.ok(r2.at <= start2.deadline + BOUND_MS, `settled ${r2.at - start2.deadline} ms after the deadline (bound ${BOUND_MS} ms)`);
  t.diagnostic(`round 2 settled by a survivor ${r2.at - start2.deadline} ms after its deadline`);
  assert.deepEqual(r2.data.moves, { [b.id]: null, [a.id]: 'paper' }, 'a\'s move, chosen before the kill, counts');
  standing = settle(standing, r2.data.moves);
  assert.deepEqual(r2.data.players, standing, 'round 2');
  assert.ok(r2.seq > chosen.seq, 'the settlement is a later change than a\'s choice');

  // Play goes on: round 3 opens; a comes back through node2 and plays it.
  const start3 = await b.next('start', (s) => s.round === 3, { timeout: 8000 });
  const a2 = await c.reconnect(c.nodes[2], a);
  const seen = await a2.next('room');
  assert.equal(seen.id, roomId);
  assert.deepEqual(seen.players.map((p) => [p.id, p.total, p.streak]), standing.map((s) => [s.id, s.total, s.streak]), 'a is back with the standings');
  assert.deepEqual(await a2.next('start', (s) => s.round === 3), start3, 'a gets round 3\'s start');
  await chooseAll([b, a2], 3, ['scissors', 'rock']);
  const r3 = (await resultOf([b, a2], 3)).result;
  standing = settle(standing, r3.moves);
  assert.deepEqual(r3.players, standing, 'round 3');

  // Counted, not assumed: b saw exactly one result per round, in seq order.
  for (const round of [1, 2, 3]) {
    const got = resultsOf([b], roomId, round);
    assert.equal(got.length, 1, `b received ${got.length} results of round ${round}: ${JSON.stringify(got)}`);
  }
  assert.equal(resultsOf([a2], roomId, 3).length, 1, 'a (back) got round 3\'s result once');
  const stats = await c.nodes[1].api('/api/stats');
  assert.equal(stats.roundsSettled, 3, `the cluster counted 3 settled rounds: ${JSON.stringify(stats)}`);
  for (const p of [a, b, a2]) p.assertClean();
});

it('a node frozen past the deadline of a round it owned wakes up: the round was settled once, by another node', async (t) => {
  const c = await startCluster(t, { nodes: 2, roundDuration: `${ROUND_MS}ms`, roundGap: '300ms', grace: '15s' });
  const [frozen] = c.nodes;
  const { players: [b, a], roomId, room } = await fillAcross(c, [1, 0], { prefix: 'frz' });
  let standing = room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));

  // Round 1: a chooses through node0 (node0 made the last change and holds the timer); then
  // node0 freezes: its sockets stay open, its timers and lease stop.
  assertOk(await a.choose(1, 'rock'), 'a chooses');
  await b.next('chosen', (x) => x.playerId === a.id);
  process.kill(frozen.pid, 'SIGSTOP');
  let thawed = false;
  t.after(() => { if (!thawed) process.kill(frozen.pid, 'SIGCONT'); });
  const start1 = b.all('start', (s) => s.round === 1)[0];
  const r1 = await b.nextEntry('result', (r) => r.round === 1, { timeout: ROUND_MS + BOUND_MS + 5000 });
  t.diagnostic(`round 1 settled by node1 ${r1.at - start1.deadline} ms after its deadline, node0 frozen`);
  assert.ok(r1.at <= start1.deadline + BOUND_MS, `settled ${r1.at - start1.deadline} ms after the deadline`);
  assert.deepEqual(r1.data.moves, { [b.id]: null, [a.id]: 'rock' });
  standing = settle(standing, r1.data.moves);
  assert.deepEqual(r1.data.players, standing, 'round 1');

  // node0 wakes up, past its round's deadline, its lease and maybe its players' presence:
  // whatever it had armed must find the round settled.
  process.kill(frozen.pid, 'SIGCONT');
  thawed = true;
  // a, whose socket on node0 never closed, plays round 2 with b; a chooses last, through
  // node0, so round 2's result comes after whatever node0 did on waking.
  await Promise.all([a, b].map((p) => p.next('start', (s) => s.round === 2, { timeout: 10000 })));
  assertOk(await b.choose(2, 'paper'), 'b chooses in round 2');
  await a.next('chosen', (x) => x.round === 2 && x.playerId === b.id);
  assertOk(await a.choose(2, 'scissors'), 'a chooses in round 2');
  const r2 = (await resultOf([a, b], 2)).result;
  standing = settle(standing, r2.moves);
  assert.deepEqual(r2.players, standing, 'round 2');
  await Promise.all([a, b].map((p) => p.next('start', (s) => s.round === 3, { timeout: 10000 })));

  for (const round of [1, 2]) {
    for (const p of [a, b]) {
      const got = resultsOf([p], roomId, round);
      assert.equal(got.length, 1, `${p.label}: ${got.length} results of round ${round}: ${JSON.stringify(got)}`);
    }
  }
  assert.equal((await c.nodes[1].api('/api/stats')).roundsSettled, 2, 'the cluster counted 2 rounds');
  // a is connected again in everyone's eyes (if node0's silence had marked it away).
  const last = b.all('room').at(-1);
  assert.ok(last.players.every((p) => p.connected), `everyone connected: ${JSON.stringify(last)}`);
  for (const p of [a, b]) p.assertClean();
});
