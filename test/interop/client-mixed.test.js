'use strict';
// socket.io-client 2.x, 3.x and 4.x in one room: a broadcast (with a binary argument) must be
// encoded for each member's protocol (Engine.IO 3 / Socket.IO v4 for 2.x, Engine.IO 4 /
// Socket.IO v5 for 3.x and 4.x), whichever client sent it.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { describe, it } = require('node:test');
const { describeEachServer } = require('./lib/servers');
const { once, emitWithAck, record, deferred, withTimeout, rejectOnDisconnect, DEFAULT_TIMEOUT_MS } = require('./lib/wait');
const { CLIENTS, TRANSPORTS, makeSocket, connected, closeAll } = require('./lib/clients');
const { assertSameBytes } = require('./lib/client-suite');

describe('mixed client versions', () => {
  describeEachServer('socket', (ctx) => {
    for (const mode of Object.keys(TRANSPORTS)) {
      it(`${mode}: a room with 2.x, 3.x and 4.x members gets every member's broadcast, non-members none`, { timeout: 20000 }, async (t) => {
        const room = `mixed-${crypto.randomBytes(4).toString('hex')}`;
        const other = `${room}-other`;
        const members = ['v2', 'v3', 'v4'].map((v) => ({ v, s: makeSocket(CLIENTS[v], ctx.server.url, '/', mode) }));
        const outsider = makeSocket(CLIENTS.v2, ctx.server.url, '/', mode);
        const all = [...members.map((m) => m.s), outsider];
        t.after(() => closeAll(all));
        await Promise.all(all.map((s, i) => connected(s, mode, `connect #${i}`)));
        for (const { s } of members) assert.deepEqual(await emitWithAck(s, 'join', room), []);
        assert.deepEqual(await emitWithAck(outsider, 'join', other), []);

        const outsiderEvents = record(outsider, 'mixed');
        for (const sender of members) {
          const bytes = crypto.randomBytes(64);
          const got = members.map(({ s }) => once(s, 'mixed', { failOn: ['disconnect'] }));
          const sentinel = deferred();
          const onSentinel = (tag) => sentinel.resolve({ tag, seen: outsiderEvents.length });
          outsider.once('sentinel', onSentinel);
          sender.s.emit('to-room', room, 'mixed', `from ${sender.v}`, { bin: bytes, n: [1, 2] });
          sender.s.emit('to-room', other, 'sentinel', sender.v);
          for (const [i, p] of got.entries()) {
            const args = await p;
            const who = `${members[i].v} receiving from ${sender.v}`;
            assert.equal(args.length, 2, who);
            assert.equal(args[0], `from ${sender.v}`, who);
            assert.deepEqual(args[1].n, [1, 2], who);
            assertSameBytes(args[1].bin, bytes, who);
          }
          const s = await withTimeout(Promise.race([sentinel.promise, rejectOnDisconnect(outsider, 'the sentinel')]),
            DEFAULT_TIMEOUT_MS, 'sentinel on the non-member');
          assert.equal(s.tag, sender.v);
          assert.equal(s.seen, 0, 'the non-member got a room broadcast');
        }
      });
    }
  });
});
