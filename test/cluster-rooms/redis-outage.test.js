'use strict';
// Redis goes away mid-round and comes back: players stay connected, join / choose / leave
// answer {ok:false, error:{code:"unavailable"}} within 2 s, no node crashes, nothing is settled
// while the store is unreachable, and once Redis is back the open round is settled (once) and
// play resumes without restarting anything.
//
// Two outages: Redis stopped (connections refused; it saves its data on the way down and loads
// it when started again, as a Redis with persistence would) and Redis frozen with SIGSTOP
// (connections open, nothing answers: only deadlines get the nodes out).
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, fillAcross, resultsOf } = require('./lib/cluster');
const { assertOk, assertError } = require('../rps/lib/client');
const { resultOf, chooseAll } = require('../rps/lib/game');
const { settle } = require('../rps/lib/rules');

const ROUND_MS = 4000;
const UNAVAILABLE_MS = 2000; // the bound on an answer while Redis is unreachable
const SLACK_MS = 500; // the ack's trip through the client and a busy machine
const RECOVER_MS = 15000;

// Emits and resolves with { ack, ms }.
async function timed(fn) {
  const t0 = Date.now();
  const ack = await fn();
  return { ack, ms: Date.now() - t0 };
}

async function outage(t, { stop, start, what, strictMoves }) {
  const c = await startCluster(t, { nodes: 2, roundDuration: `${ROUND_MS}ms`, roundGap: '300ms', grace: '20s' });
  const { players: [a, b], roomId, room, start: start1 } = await fillAcross(c, [0, 1], { prefix: 'out' });
  const newcomer = await c.connect(c.nodes[0], { name: 'out-new', label: 'out-new@node0' });
  let standing = room.players.map((p) => ({ id: p.id, streak: p.streak, total: p.total }));

  // Round 1: a chooses; then Redis goes away.
  assertOk(await a.choose(1, 'rock'), 'a chooses before the outage');
  await b.next('chosen', (x) => x.playerId === a.id);
  await stop(c.redis);
  const downAt = Date.now();

  const answers = {
    'b choose (node1)': await timed(() => b.choose(1, 'paper')),
    'newcomer join (node0)': await timed(() => newcomer.join(2)),
    'a choose again (node0)': await timed(() => a.choose(1, 'rock')),
  };
  // A leave that a frozen Redis ran on waking would end the game: only while it is stopped.
  if (strictMoves) answers['a leave (node0)'] = await timed(() => a.leave());
  t.diagnostic(`${what}: answers in ${Object.entries(answers).map(([n, { ms }]) => `${n} ${ms} ms`).join(', ')}`);
  for (const [name, { ack, ms }] of Object.entries(answers)) {
    assertError(ack, 'unavailable', `${what}: ${name}`);
    assert.ok(ms <= UNAVAILABLE_MS + SLACK_MS, `${what}: ${name} answered in ${ms} ms (bound ${UNAVAILABLE_MS} ms)`);
  }

  // Nothing settles while the store is unreachable: wait past round 1's deadline.
  const overdue = start1.deadline + 1000 - Date.now();
  if (overdue > 0) await new Promise((r) => setTimeout(r, overdue));
  for (const p of [a, b]) assert.deepEqual(p.all('result'), [], `${what}: ${p.label} got no result while Redis was down`);
  for (const p of [a, b, newcomer]) assert.deepEqual(p.all('disconnect'), [], `${what}: ${p.label} stayed connected`);
  for (const node of c.nodes) assert.ok(node.isAlive(), `${what}: ${node.label} is alive`);
  const downFor = Date.now() - downAt;

  // Back: the overdue round is settled once, with a's move, and play resumes.
  await start(c.redis);
  const upAt = Date.now();
  // Every player must get the overdue round's result, whichever node settles it and whenever
  // each node's subscription to Redis comes back.
  const got = await Promise.all([a, b].map((p) => p.nextEntry('result', (r) => r.round === 1, { timeout: RECOVER_MS }).then(() => null, () => p.label)));
  const without = got.filter(Boolean);
  if (without.length) {
    const seen = [a, b].map((p) => `${p.label}: ${p.all('result').map((r) => `round ${r.round}`).join(', ') || 'no result'}; events after the restart: `
      + `${p.events.filter((e) => e.at >= upAt).map((e) => `${e.name}${e.data && e.data.round ? ` ${e.data.round}` : ''}`).join(', ')}`);
    assert.fail(`${what}: ${without.join(', ')} never got round 1's result (settled after Redis came back):\n  ${seen.join('\n  ')}`);
  }
  for (const p of [a, b]) p.cursor.delete('result');
  const r1 = await resultOf([a, b], 1, { timeout: RECOVER_MS });
  if (strictMoves) {
    assert.deepEqual(r1.result.moves, { [a.id]: 'rock', [b.id]: null }, `${what}: a's move kept, b's refused choice not half-written`);
  } else {
    // A command sent to a frozen Redis may run when it wakes although the node answered
    // "unavailable" (a timeout is not a failure): b's move may or may not be in.
    assert.equal(r1.result.moves[a.id], 'rock', `${what}: a's move kept`);
    assert.ok([null, 'paper'].includes(r1.result.moves[b.id]), `${what}: b's move ${r1.result.moves[b.id]}`);
  }
  standing = settle(standing, r1.result.moves);
  assert.deepEqual(r1.result.players, standing, `${what}: round 1 scored`);
  t.diagnostic(`${what}: Redis down ${downFor} ms; round 1 settled ${r1.lastAt - upAt} ms after it came back`);

  await Promise.all([a, b].map((p) => p.next('start', (s) => s.round === 2, { timeout: RECOVER_MS })));
  await chooseAll([a, b], 2, ['scissors', 'paper']);
  const r2 = (await resultOf([a, b], 2)).result;
  standing = settle(standing, r2.moves);
  assert.deepEqual(r2.players, standing, `${what}: round 2 scored`);
  const joined = await newcomer.join(2);
  assertOk(joined, `${what}: join works again`, ['room']);
  assert.notEqual(joined.room.id, roomId, `${what}: the newcomer gets a room of its own`);
  for (const round of [1, 2]) {
    for (const p of [a, b]) assert.equal(resultsOf([p], roomId, round).length, 1, `${what}: ${p.label}: one result of round ${round}`);
  }
  assert.equal((await c.nodes[1].api('/api/stats')).roundsSettled, 2, `${what}: the cluster counted 2 rounds`);
  for (const p of [a, b, newcomer]) p.assertClean();
}

it('Redis stopped mid-round and started again: unavailable, no crash, the round settled, play resumes', async (t) => {
  await outage(t, {
    what: 'stopped',
    stop: (redis) => redis.stop(),
    start: (redis) => redis.start(),
    strictMoves: true,
  });
});

it('Redis frozen (SIGSTOP) mid-round and thawed: unavailable within 2 s, the round settled, play resumes', async (t) => {
  await outage(t, {
    what: 'frozen',
    stop: async (redis) => redis.pause(),
    start: async (redis) => redis.resume(),
    strictMoves: false,
  });
});
