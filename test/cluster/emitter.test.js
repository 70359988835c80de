'use strict';
// @socket.io/redis-emitter 5.x (a back-end job with no socket.io server, uid "emitter") driving a
// two-node classic cluster: emits to rooms and namespaces, except, volatile, socketsJoin,
// socketsLeave, disconnectSockets and serverSideEmit, observed by clients on both nodes.
const assert = require('node:assert/strict');
const { describe, it, before, after, afterEach } = require('node:test');
const { Emitter } = require('@socket.io/redis-emitter');
const { startRedis } = require('./lib/redis');
const {
  pairs, startNode, stopNodes, Clients, join, fetchIds, ids, record, waitFor, fetchUntil, uid, emitWithAck,
} = require('./lib/cluster');
const { ARGS, checkArgs } = require('./lib/ops');

// Like nothingElse() in lib/cluster.js, with the markers published by the emitter itself: one
// Redis connection publishes in order and each node handles its subscription in order.
async function nothingElseFrom(emitter, observers, seenOf) {
  const tag = uid('marker');
  const waits = observers.map((o) => waitFor(o, 'cluster-marker', (t) => t === tag, { what: `marker on ${o.node.label}${o.nsp}` }));
  for (const o of observers) emitter.of(o.nsp).to(o.id).emit('cluster-marker', tag);
  await Promise.all(waits);
  for (const o of observers) assert.deepEqual(seenOf(o), [], `${o.node.label}${o.nsp} received something it must not`);
}

for (const [ka, kb] of pairs()) {
  describe(`[${ka}+${kb}] redis-emitter`, () => {
    const ctx = { redis: null, nodes: [], emitter: null };
    const clients = new Clients();
    before(async () => {
      ctx.redis = await startRedis();
      ctx.nodes = [
        await startNode(ka, ctx.redis, { name: `${ka}-a` }),
        await startNode(kb, ctx.redis, { name: `${kb}-b` }),
      ];
      ctx.emitter = new Emitter(await ctx.redis.client());
    });
    after(async () => {
      try { await stopNodes(ctx.nodes); } finally { if (ctx.redis) await ctx.redis.close(); }
    });
    afterEach(() => clients.closeAll());
    const A = () => ctx.nodes[0];
    const B = () => ctx.nodes[1];

    it('to(room).emit reaches the room on both nodes with every argument type, nobody else', async () => {
      const r = uid();
      const a1 = await clients.connect(A());
      const b1 = await clients.connect(B());
      const b2 = await clients.connect(B());
      const bc = await clients.connect(B(), '/custom');
      for (const s of [a1, b1, bc]) await join(s, r);
      const seen = new Map([a1, b1, b2, bc].map((c) => [c, record(c, 'ev')]));
      const got = [a1, b1].map((c) => waitFor(c, 'ev'));
      ctx.emitter.to(r).emit('ev', ...ARGS());
      const [x, y] = await Promise.all(got);
      checkArgs(x, 'node A');
      checkArgs(y, 'node B');
      await nothingElseFrom(ctx.emitter, [b2, bc], (c) => seen.get(c));
    });

    it('emit to a whole namespace, of("/custom"), several rooms, except and volatile', async () => {
      const r1 = uid('r1');
      const r2 = uid('r2');
      const ex = uid('ex');
      const a1 = await clients.connect(A());
      const b1 = await clients.connect(B());
      const ac = await clients.connect(A(), '/custom');
      const bc = await clients.connect(B(), '/custom');
      await join(a1, r1); await join(b1, r2); await join(b1, ex); await join(bc, r1);
      const seen = new Map([a1, b1, ac, bc].map((c) => [c, record(c, 'ev')]));

      let got = [a1, b1].map((c) => waitFor(c, 'ev', (v) => v === 'all-root'));
      ctx.emitter.emit('ev', 'all-root');
      await Promise.all(got);
      got = [ac, bc].map((c) => waitFor(c, 'ev', (v) => v === 'all-custom'));
      ctx.emitter.of('custom').emit('ev', 'all-custom'); // the leading "/" is added by the emitter
      await Promise.all(got);
      got = [a1, b1].map((c) => waitFor(c, 'ev', (v) => v === 'two-rooms'));
      ctx.emitter.to([r1, r2]).emit('ev', 'two-rooms');
      await Promise.all(got);
      got = [a1].map((c) => waitFor(c, 'ev', (v) => v === 'except'));
      ctx.emitter.to([r1, r2]).except(ex).emit('ev', 'except');
      await Promise.all(got);
      got = [a1, b1].map((c) => waitFor(c, 'ev', (v) => v === 'volatile'));
      ctx.emitter.volatile.to([r1, r2]).emit('ev', 'volatile');
      await Promise.all(got);
      await nothingElseFrom(ctx.emitter, [a1, b1, ac, bc], () => []);
      assert.deepEqual(seen.get(a1).map((a) => a[0]), ['all-root', 'two-rooms', 'except', 'volatile']);
      assert.deepEqual(seen.get(b1).map((a) => a[0]), ['all-root', 'two-rooms', 'volatile'], 'b1 is in the except room');
      assert.deepEqual(seen.get(ac).map((a) => a[0]), ['all-custom']);
      assert.deepEqual(seen.get(bc).map((a) => a[0]), ['all-custom']);
    });

    it('socketsJoin and socketsLeave act on both nodes', async () => {
      const r = uid();
      const t = uid('t');
      const a1 = await clients.connect(A());
      const b1 = await clients.connect(B());
      const b2 = await clients.connect(B());
      for (const s of [a1, b1]) await join(s, r);
      ctx.emitter.in(r).socketsJoin(t);
      await fetchUntil(a1, t, ids(a1, b1));
      await fetchUntil(b2, t, ids(a1, b1), 'the same, asked from node B');
      ctx.emitter.in(b2.id).socketsJoin([t]);
      await fetchUntil(a1, t, ids(a1, b1, b2));
      ctx.emitter.in(r).socketsLeave(t);
      await fetchUntil(a1, t, ids(b2));
      await fetchUntil(b1, t, ids(b2), 'the same, asked from node B');
      assert.deepEqual(await fetchIds(a1, r), ids(a1, b1));
    });

    it('disconnectSockets(true) disconnects the room on both nodes, nobody else', async () => {
      const r = uid();
      const a1 = await clients.connect(A());
      const a2 = await clients.connect(A());
      const b1 = await clients.connect(B());
      const b2 = await clients.connect(B());
      for (const s of [a1, b1]) await join(s, r);
      const reasons = [a1, b1].map((s) => waitFor(s, 'disconnect', () => true, { what: `disconnect of ${s.node.label}` }));
      const bystanders = new Map([a2, b2].map((c) => [c, record(c, 'disconnect')]));
      ctx.emitter.in(r).disconnectSockets(true);
      for (const [reason] of await Promise.all(reasons)) assert.equal(reason, 'io server disconnect');
      for (const s of [a2, b2]) {
        const [back] = await emitWithAck(s, 'message-with-ack', 'still here');
        assert.equal(back, 'still here');
        assert.deepEqual(bystanders.get(s), []);
      }
    });

    it('serverSideEmit reaches every node (the emitter is none of them)', async () => {
      const a1 = await clients.connect(A());
      const b1 = await clients.connect(B());
      const bc = await clients.connect(B(), '/custom');
      const seenC = record(bc, 'server-side');
      const got = [a1, b1].map((c) => waitFor(c, 'server-side'));
      ctx.emitter.serverSideEmit('ping-nodes', 'from-emitter', 3, { k: [1, 'v'] });
      for (const args of await Promise.all(got)) assert.deepEqual(args, ['from-emitter', 3, { k: [1, 'v'] }]);
      const mc = waitFor(bc, 'server-side', (v) => v === 'marker');
      ctx.emitter.of('/custom').serverSideEmit('ping-nodes', 'marker');
      await mc;
      assert.deepEqual(seenC, [['marker']], 'the /custom namespace only gets its own');
      assert.throws(() => ctx.emitter.serverSideEmit('whoami', () => {}), /Acknowledgements are not supported/);
    });
  });
}
