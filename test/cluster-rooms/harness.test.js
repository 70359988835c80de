'use strict';
// Self-tests of the suite's own tools, so that the cluster tests can fail: the soak's verifier
// catches a duplicated result, a missing one, a lost move, a wrong score, two players who saw
// different results; the Redis helper keeps the data across stop()/start() (what the outage
// test relies on) and pause() really stops answers.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { Bot, verify, percentile } = require('./lib/bot');
const { startRedis } = require('./lib/redis');
const { settle, fresh } = require('../rps/lib/rules');

// A fake bot record: rounds played in one room by players x and y.
function fakeRoom(roomId, ids, rounds) {
  const bots = ids.map((id, k) => ({ id, label: `bot-${k}`, rounds: new Map(), problems: [] }));
  let standing = fresh(ids);
  let seq = 2;
  for (const [i, moves] of rounds.entries()) {
    const round = i + 1;
    standing = settle(standing, { [ids[0]]: moves[0], [ids[1]]: moves[1] });
    seq += 3;
    const data = { roomId, round, moves: { [ids[0]]: moves[0], [ids[1]]: moves[1] }, players: standing };
    for (const [k, b] of bots.entries()) {
      b.rounds.set(`${roomId}|${round}`, {
        roomId, round, start: { roomId, round, deadline: 0 }, move: moves[k], ack: moves[k] ? { ok: true } : null,
        results: [{ data: structuredClone(data), seq, at: 0 }],
      });
    }
  }
  // The next round has started, with no result yet.
  for (const b of bots) b.rounds.set(`${roomId}|${rounds.length + 1}`, { roomId, round: rounds.length + 1, start: {}, move: null, ack: null, results: [] });
  return bots;
}

const ROUNDS = [['rock', 'scissors'], ['paper', null], [null, null], ['scissors', 'scissors']];

it('the soak verifier passes a clean record and catches every kind of fault', () => {
  const clean = fakeRoom('r1', ['a', 'b'], ROUNDS);
  const ok = verify(clean);
  assert.deepEqual(ok.failures, []);
  assert.deepEqual([ok.rooms, ok.rounds, ok.results, ok.duplicates, ok.missing], [1, 4, 8, 0, 0]);

  const dup = fakeRoom('r1', ['a', 'b'], ROUNDS);
  const r2 = dup[0].rounds.get('r1|2');
  r2.results.push(r2.results[0]);
  const vd = verify(dup);
  assert.equal(vd.duplicates, 1);
  assert.match(vd.failures.join('\n'), /2 results of round 2/);

  const miss = fakeRoom('r1', ['a', 'b'], ROUNDS);
  miss[1].rounds.get('r1|3').results = [];
  const vm = verify(miss);
  assert.equal(vm.missing, 1);
  assert.match(vm.failures.join('\n'), /no result of round 3/);

  const lost = fakeRoom('r1', ['a', 'b'], ROUNDS);
  lost[1].rounds.get('r1|1').move = 'paper'; // acked ok, but the result says scissors
  const vl = verify(lost);
  assert.equal(vl.lostMoves, 1);

  const score = fakeRoom('r1', ['a', 'b'], ROUNDS);
  for (const b of score) b.rounds.get('r1|2').results[0].data.players[0].total += 1;
  assert.match(verify(score).failures.join('\n'), /round 2: scores/);

  const differ = fakeRoom('r1', ['a', 'b'], ROUNDS);
  differ[0].rounds.get('r1|4').results[0].data.moves.a = 'rock';
  assert.match(verify(differ).failures.join('\n'), /different results/);

  const lonely = fakeRoom('r1', ['a', 'b'], ROUNDS).slice(0, 1);
  assert.match(verify(lonely).failures.join('\n'), /1 players recorded it/);

  assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
});

it('the soak bot reads a kept event\'s offset apart, and catches one received twice or malformed', () => {
  const bot = Object.assign(Object.create(Bot.prototype), {
    label: 'x', socket: { _pid: 'p' }, offsets: new Set(), kept: 0, problems: [], rounds: new Map(),
    seqs: new Map(), reorders: 0, latencies: [], playing: false, timers: new Set(),
  });
  const start = (round) => ({ roomId: 'r1', round, deadline: 1.8e12 + round, duration: 2000, seq: round });
  bot.onEvent('start', [start(1), 'node1-lx3k-1']);
  assert.deepEqual(bot.problems, [], 'a kept event: the offset is not an argument of the contract');
  assert.ok(bot.rounds.get('r1|1').start, 'and the event is recorded');
  bot.onEvent('start', [start(2), 'node1-lx3k-1']);
  assert.match(bot.problems.join('\n'), /offset node1-lx3k-1 a second time/);
  bot.onEvent('start', [start(3), 'not an offset']);
  assert.match(bot.problems.join('\n'), /not an offset/);
  assert.equal(bot.kept, 3);
});

it('redis helper: stop() and start() keep the data on the same port; pause() stops answers', async (t) => {
  const redis = await startRedis(t);
  assert.deepEqual(await redis.cli('SET', 'k', 'v'), ['OK']);
  await redis.stop();
  await assert.rejects(redis.cli('GET', 'k'), 'nothing answers while stopped');
  await redis.start();
  assert.deepEqual(await redis.cli('GET', 'k'), ['v'], 'the data survived the restart');
  assert.deepEqual(await redis.cli('CONFIG', 'GET', 'save'), ['save', ''], 'no automatic snapshots');
  assert.deepEqual(await redis.cli('CONFIG', 'GET', 'appendonly'), ['appendonly', 'no'], 'no AOF');
  redis.pause();
  const frozen = await Promise.race([
    redis.cli('PING').then(() => 'answered', () => 'failed'),
    new Promise((r) => { setTimeout(() => r('no answer'), 500); }),
  ]);
  assert.equal(frozen, 'no answer', 'a frozen Redis does not answer');
  redis.resume();
  assert.deepEqual(await redis.cli('PING'), ['PONG'], 'it answers again');
});
