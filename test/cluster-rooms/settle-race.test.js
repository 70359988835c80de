'use strict';
// Two nodes race to settle the same round, many times: in many rooms at once, each with one
// player on each node, rounds where both players choose at the same instant through their own
// nodes (both nodes see "everyone chose"), rounds nobody plays (the node holding the timer and
// the other node's due-room poll both reach the deadline) and rounds with one forfeit. Every
// "result" is counted on both players: exactly one per round, identical on both nodes, with
// every acknowledged move in it, scored by the reference rules, in seq order; and the
// cluster's count of settled rounds is the number of results.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, resultsOf, waitUntil } = require('./lib/cluster');
const { assertOk, MOVES } = require('../rps/lib/client');
const { settle } = require('../rps/lib/rules');

const ROOMS = Number(process.env.RACE_ROOMS || 12);
const ROUNDS = Number(process.env.RACE_ROUNDS || 12);
const ROUND_MS = 2000;
const WAIT_MS = ROUND_MS + 10000;

const pick = () => MOVES[Math.floor(Math.random() * MOVES.length)];

// Plays ROUNDS rounds in one room; returns the moves asked for per round.
async function playRoom(p, q) {
  const asked = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await Promise.all([p, q].map((x) => x.next('start', (s) => s.round === round, { timeout: WAIT_MS })));
    let moves;
    switch (round % 3) {
      case 0: { // both at once, each through its own node
        moves = [pick(), pick()];
        const acks = await Promise.all([p.choose(round, moves[0]), q.choose(round, moves[1])]);
        acks.forEach((ack, i) => assertOk(ack, `${[p, q][i].label} chooses ${moves[i]} in round ${round}`));
        break;
      }
      case 1: // nobody: settled at the deadline
        moves = [null, null];
        break;
      default: // p only: q forfeits at the deadline
        moves = [pick(), null];
        assertOk(await p.choose(round, moves[0]), `${p.label} chooses in round ${round}`);
    }
    asked.push(moves);
    await Promise.all([p, q].map((x) => x.next('result', (r) => r.round === round, { timeout: WAIT_MS })));
  }
  // Round ROUNDS + 1 opens; both leave at once (it is cancelled, not settled), which ends the
  // room, so that the cluster's settled count stops at what the players saw.
  await Promise.all([p, q].map((x) => x.next('start', (s) => s.round === ROUNDS + 1, { timeout: WAIT_MS })));
  for (const x of [p, q]) assertOk(await x.leave(), `${x.label} leaves`);
  return asked;
}

it(`${ROOMS} rooms x ${ROUNDS} rounds raced by two nodes: exactly one result per round`, async (t) => {
  // Sweeps every 10 ms of rooms 10 ms late: the other node's sweep contends with the timer of
  // the node that owns a round as soon as that timer is a little late, as on a busy machine.
  const c = await startCluster(t, {
    nodes: 2, roundDuration: `${ROUND_MS}ms`, roundGap: '50ms', grace: '20s', extraArgs: ['--sweep-interval', '10ms'],
  });
  const opts = (side, i) => ({ name: `race-${i}-${side}`, label: `race-${i}-${side}@node${side === 'p' ? 0 : 1}`, tolerateReorder: true });
  // Pairs join one after the other so that each pair fills its own room.
  const pairs = [];
  for (let i = 0; i < ROOMS; i++) {
    const p = await c.connect(c.nodes[0], opts('p', i));
    const q = await c.connect(c.nodes[1], opts('q', i));
    const jp = await p.join(2);
    assertOk(jp, `${p.label} join`, ['room']);
    const jq = await q.join(2);
    assertOk(jq, `${q.label} join`, ['room']);
    assert.equal(jq.room.id, jp.room.id, `pair ${i} shares a room`);
    pairs.push({ p, q, roomId: jp.room.id, seats: jq.room.players.map((x) => x.id) });
  }
  const asked = await Promise.all(pairs.map(({ p, q }) => playRoom(p, q)));

  let results = 0;
  let reorders = 0;
  for (const [i, { p, q, roomId, seats }] of pairs.entries()) {
    let standing = seats.map((id) => ({ id, streak: 0, total: 0 }));
    let lastSeq = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const got = resultsOf([p, q], roomId, round);
      assert.deepEqual(got.map((g) => g.player).sort(), [p.label, q.label].sort(),
        `room ${i} round ${round}: one result per player, got ${got.length}: ${JSON.stringify(got)}`);
      assert.deepEqual(got[0].data, got[1].data, `room ${i} round ${round}: the same result on both nodes`);
      assert.equal(got[0].seq, got[1].seq, `room ${i} round ${round}: the same seq on both nodes`);
      assert.ok(got[0].seq > lastSeq, `room ${i} round ${round}: result seq ${got[0].seq} after ${lastSeq}`);
      lastSeq = got[0].seq;
      const [mp, mq] = asked[i][round - 1];
      assert.deepEqual(got[0].data.moves, { [p.id]: mp, [q.id]: mq }, `room ${i} round ${round}: every acknowledged move, nothing else`);
      standing = settle(standing, got[0].data.moves);
      assert.deepEqual(got[0].data.players, standing, `room ${i} round ${round}: scored by the rules`);
      results++;
    }
    assert.deepEqual(resultsOf([p, q], roomId, ROUNDS + 1), [], `room ${i}: the round left open was cancelled, not settled`);
    reorders += p.reorders.length + q.reorders.length;
    p.assertClean();
    q.assertClean();
  }
  // Every room has been left: the count is final, and counts each settlement once.
  await waitUntil(async () => (await c.nodes[0].api('/api/rooms')).rooms.length === 0, { timeout: 10000, what: 'every room gone' });
  for (const node of c.nodes) {
    assert.equal((await node.api('/api/stats')).roundsSettled, results, `${node.label}: roundsSettled is the number of results`);
  }
  t.diagnostic(`${results} rounds, ${results * 2} results counted; ${reorders} room events delivered out of seq order (allowed)`);
});
