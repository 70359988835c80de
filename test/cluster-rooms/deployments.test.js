'use strict';
// Several deployments on one Redis: the room store's keys all live under the deployment's
// --redis-prefix, so two clusters with different prefixes never see each other's rooms or
// players. And a node given --redis-url but no --token-secret refuses to start (its tokens
// would not be accepted by the other nodes), saying why.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { it } = require('node:test');
const { startCluster } = require('./lib/cluster');
const { startRedis } = require('./lib/redis');
const { assertOk } = require('../rps/lib/client');
const { resultOf, chooseAll } = require('../rps/lib/game');

it('two deployments on one Redis, two prefixes: separate lobbies, separate matchmaking, keys under the prefix', async (t) => {
  // One Redis for both, closed after both clusters' nodes (t.after hooks run in order).
  const redis = await startRedis();
  let blue;
  let green;
  try {
    blue = await startCluster(t, { redis, prefix: 'blue', nodes: 2, roundDuration: '10s', name: 'blue' });
    green = await startCluster(t, { redis, prefix: 'green', nodes: 1, roundDuration: '10s', name: 'green' });
  } finally {
    t.after(() => redis.close());
  }

  const b1 = await blue.connect(blue.nodes[0], { name: 'blue-1', label: 'blue-1@blue0' });
  const jb = await b1.join(2);
  assertOk(jb, 'blue-1 joins', ['room']);
  // A green player asking for the same size must not land in blue's waiting room.
  const g1 = await green.connect(green.nodes[0], { name: 'green-1', label: 'green-1@green0' });
  const jg = await g1.join(2);
  assertOk(jg, 'green-1 joins', ['room']);
  assert.notEqual(jg.room.id, jb.room.id, 'another deployment\'s waiting room is not joinable');
  assert.deepEqual(jg.room.players.map((p) => p.id), [g1.id]);
  assert.deepEqual((await green.nodes[0].api('/api/rooms')).rooms.map((r) => r.id), [jg.room.id], 'green lists its room only');
  for (const node of blue.nodes) {
    assert.deepEqual((await node.api('/api/rooms')).rooms.map((r) => r.id), [jb.room.id], `${node.label} of blue lists blue's room only`);
  }

  // Blue's second player, on blue's other node, fills blue's room; they play a round.
  const b2 = await blue.connect(blue.nodes[1], { name: 'blue-2', label: 'blue-2@blue1' });
  const jb2 = await b2.join(2);
  assert.equal(jb2.room.id, jb.room.id, 'blue pairs within blue');
  await Promise.all([b1, b2].map((p) => p.next('start')));
  await chooseAll([b1, b2], 1, ['rock', 'paper']);
  await resultOf([b1, b2], 1);
  assert.equal((await green.nodes[0].api('/api/stats')).roundsSettled, 0, 'blue\'s round is not green\'s');
  assert.equal((await blue.nodes[0].api('/api/stats')).roundsSettled, 1);

  // Every key in Redis belongs to one of the prefixes (as is, or as a hash tag "{prefix}").
  const keys = (await redis.cli('--scan')).filter(Boolean);
  assert.ok(keys.length > 0, 'the store keeps its rooms in Redis');
  const under = (prefix) => (k) => k.replace(/^\{/, '').startsWith(prefix);
  const stray = keys.filter((k) => !under('blue')(k) && !under('green')(k));
  assert.deepEqual(stray, [], 'keys outside both prefixes');
  assert.ok(keys.some(under('blue')) && keys.some(under('green')), `keys of both deployments: ${keys.join(' ')}`);
  t.diagnostic(`keys: ${keys.sort().join(' ')}`);
  for (const p of [b1, b2, g1]) p.assertClean();
});

it('--redis-url without --token-secret: refuses to start, saying so', async (t) => {
  const redis = await startRedis(t);
  const bin = path.resolve(process.env.RPSIO_BIN || 'RPSIO_BIN is not set');
  const env = { ...process.env };
  delete env.RPSIO_TOKEN_SECRET;
  const child = spawn(bin, ['--addr', '127.0.0.1:0', '--redis-url', redis.url], { stdio: ['ignore', 'ignore', 'pipe'], env });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  const exit = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: 'still running after 10 s' }), 10000);
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
  assert.notEqual(exit.code, 0, `exit ${JSON.stringify(exit)}`);
  assert.ok(Number.isInteger(exit.code), `it exits by itself: ${JSON.stringify(exit)}\n${stderr}`);
  assert.match(stderr, /token-secret/i, 'the message names the missing flag');
  assert.doesNotMatch(stderr, /rpsio listening/, 'it never served');
});
