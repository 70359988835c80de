'use strict';
// Classic mode (@socket.io/redis-adapter createAdapter: PUBLISH/PSUBSCRIBE, NUMSUB): every
// operation of the contract across two nodes, for each pair of server kinds.
const assert = require('node:assert/strict');
const { describe, it, before, after, afterEach } = require('node:test');
const { startRedis } = require('./lib/redis');
const { pairs, startNode, stopNodes, Clients, join, fetchIds, ids, waitFor, emitWithAck, uid } = require('./lib/cluster');
const { defineOps } = require('./lib/ops');

for (const [ka, kb] of pairs()) {
  describe(`[${ka}+${kb}] classic`, () => {
    const ctx = { redis: null, nodes: [] };
    before(async () => {
      ctx.redis = await startRedis();
      ctx.nodes = [
        await startNode(ka, ctx.redis, { name: `${ka}-a` }),
        await startNode(kb, ctx.redis, { name: `${kb}-b` }),
      ];
    });
    after(async () => {
      try { await stopNodes(ctx.nodes); } finally { if (ctx.redis) await ctx.redis.close(); }
    });
    defineOps(ctx);
  });

  // The prefix option (Node's `key`): a cluster on prefix P shares nothing with nodes on the
  // default prefix, even on the same Redis.
  describe(`[${ka}+${kb}] classic, custom prefix`, () => {
    const ctx = { redis: null, nodes: [] };
    const clients = new Clients();
    const prefix = 'rpsio-test';
    before(async () => {
      ctx.redis = await startRedis();
      ctx.nodes = [
        await startNode(ka, ctx.redis, { name: `${ka}-a`, prefix }),
        await startNode(kb, ctx.redis, { name: `${kb}-b`, prefix }),
        await startNode(ka, ctx.redis, { name: `${ka}-default` }),
      ];
    });
    after(async () => {
      try { await stopNodes(ctx.nodes); } finally { if (ctx.redis) await ctx.redis.close(); }
    });
    afterEach(() => clients.closeAll());

    it('uses the prefix for its channels and never meets the default-prefix node', async () => {
      const [A, B, C] = ctx.nodes;
      const r = uid();
      const a1 = await clients.connect(A);
      const b1 = await clients.connect(B);
      const c1 = await clients.connect(C);
      for (const s of [a1, b1, c1]) await join(s, r);
      const redis = await ctx.redis.client();
      const numsub = await redis.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}-request#/#`, 'socket.io-request#/#']);
      assert.deepEqual(numsub.map(String), [`${prefix}-request#/#`, '2', 'socket.io-request#/#', '1']);
      const [names] = await emitWithAck(a1, 'nodes');
      assert.deepEqual(names, [B.name]);
      assert.deepEqual(await fetchIds(b1, r), ids(a1, b1));
      const [cNames] = await emitWithAck(c1, 'nodes');
      assert.deepEqual(cNames, [], 'the default-prefix node is alone');
      const got = waitFor(b1, 'ev', (v) => v === 'prefixed');
      a1.emit('to-room', r, 'ev', 'prefixed');
      await got;
    });
  });
}
