'use strict';
// Sharded mode (@socket.io/redis-adapter createShardedAdapter: SPUBLISH/SSUBSCRIBE, SHARDNUMSUB,
// default "dynamic" subscriptions): every operation of the contract across two nodes, for each
// pair of server kinds. The emitter cannot talk to this mode (see emitter.test.js).
const assert = require('node:assert/strict');
const { describe, it, before, after, afterEach } = require('node:test');
const { startRedis } = require('./lib/redis');
const { pairs, startNode, stopNodes, Clients, emitWithAck } = require('./lib/cluster');
const { defineOps } = require('./lib/ops');

for (const [ka, kb] of pairs()) {
  describe(`[${ka}+${kb}] sharded`, () => {
    const ctx = { redis: null, nodes: [] };
    before(async () => {
      ctx.redis = await startRedis();
      ctx.nodes = [
        await startNode(ka, ctx.redis, { name: `${ka}-a`, sharded: true }),
        await startNode(kb, ctx.redis, { name: `${kb}-b`, sharded: true }),
      ];
    });
    after(async () => {
      try { await stopNodes(ctx.nodes); } finally { if (ctx.redis) await ctx.redis.close(); }
    });
    defineOps(ctx, { sharded: true });

    describe('channels', () => {
      const clients = new Clients();
      afterEach(() => clients.closeAll());
      it('both nodes hold sharded subscriptions to the main channels and no classic ones', async () => {
        const redis = await ctx.redis.client();
        const counts = await redis.sendCommand(['PUBSUB', 'SHARDNUMSUB', 'socket.io#/#', 'socket.io#/custom#']);
        assert.deepEqual(counts.map(String), ['socket.io#/#', '2', 'socket.io#/custom#', '2']);
        const classic = await redis.sendCommand(['PUBSUB', 'NUMSUB', 'socket.io-request#/#']);
        assert.deepEqual(classic.map(String), ['socket.io-request#/#', '0']);
        assert.equal(Number(await redis.sendCommand(['PUBSUB', 'NUMPAT'])), 0, 'no pattern subscriptions');
        const a1 = await clients.connect(ctx.nodes[0]);
        const [names] = await emitWithAck(a1, 'nodes');
        assert.deepEqual(names, [ctx.nodes[1].name]);
      });
    });
  });
}
