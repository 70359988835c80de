'use strict';
// Every cluster operation of the conformance contract, triggered from one node and observed on
// both. defineOps() declares the tests for one two-node cluster (ctx.nodes, set in a before()
// hook), once per direction and namespace.
const assert = require('node:assert/strict');
const { describe, it, afterEach } = require('node:test');
const {
  Clients, join, fetchIds, ids, answerQuestions, record, waitFor, nothingElse, fetchUntil, roomReady, uid,
  timed, emitWithAck,
} = require('./cluster');

const OTHER_NSP = { '/': '/custom', '/custom': '/' };
const asBuffer = (b) => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b);

// Arguments that exercise the msgpack encoding: integers of several widths, a fraction,
// negative numbers, strings, null, booleans, nested maps and arrays, and binary.
const ARGS = () => [1, 300, 70000, 5000000000, -1, -200, 1.5, 'two', null, true, { a: [1.25, null, false], b: { c: 'd' } }, Buffer.from([1, 2, 3])];
function checkArgs(got, what) {
  const want = ARGS();
  assert.equal(got.length, want.length, `${what}: argument count`);
  assert.deepEqual(asBuffer(got[got.length - 1]), want[want.length - 1], `${what}: binary argument`);
  assert.deepEqual(got.slice(0, -1), want.slice(0, -1), `${what}: arguments`);
}

function defineOps(ctx, { sharded = false } = {}) {
  for (const [from, to] of [[0, 1], [1, 0]]) {
    for (const nsp of ['/', '/custom']) {
      describe(`from node ${from ? 'B' : 'A'} on ${nsp}`, () => {
        const clients = new Clients();
        afterEach(() => clients.closeAll());
        const X = () => ctx.nodes[from];
        const Y = () => ctx.nodes[to];
        const other = OTHER_NSP[nsp];

        it('join + to-room reaches the room on both nodes (binary and number types intact), nobody else', async () => {
          const r = uid();
          const s = await clients.connect(X(), nsp);
          const x1 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp, { transport: 'polling' });
          const y2 = await clients.connect(Y(), nsp);
          const o = await clients.connect(Y(), other);
          const sOther = await clients.connect(X(), other);
          for (const m of [x1, y1, o]) await join(m, r);
          await roomReady(sharded, s, r, [x1, y1]);
          const seen = new Map([x1, y1, y2, o, s].map((c) => [c, record(c, 'ev')]));
          const got = [x1, y1].map((c) => waitFor(c, 'ev'));
          s.emit('to-room', r, 'ev', ...ARGS());
          const [a1, a2] = await Promise.all(got);
          checkArgs(a1, 'local member');
          checkArgs(a2, 'remote member');
          await nothingElse(s, [y2, s], (c) => seen.get(c));
          await nothingElse(sOther, [o], (c) => seen.get(c));
          assert.equal(seen.get(x1).length, 1, 'local member: exactly once');
          assert.equal(seen.get(y1).length, 1, 'remote member: exactly once');
        });

        it('to-room carries large and wide values intact (str16/32, bin16/32, array16, map16, every int width)', async () => {
          const r = uid();
          const s = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          await join(y1, r);
          await roomReady(sharded, s, r, [y1]);
          const wide = {};
          for (let i = 0; i < 20; i++) wide[`k${i}`] = i * 1000;
          const big = [
            'x'.repeat(300), 'y'.repeat(70000), '汉字🎲 ünï', Buffer.alloc(300, 7), Buffer.alloc(70000, 9),
            Array.from({ length: 20 }, (_, i) => i - 10), wide,
            [127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, Number.MAX_SAFE_INTEGER],
            [-32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, Number.MIN_SAFE_INTEGER],
            [0.1, -2.5, 0, -0.5e-300], { nested: { deeper: { deepest: [[[]], {}] } } },
            // A whole number beyond 64 bits: notepack.io writes it as a uint64 whose halves wrapped
            // (encode.js: `hi = (value / 2**32) >> 0`), so 1e300 arrives as 0. Not useful, but it
            // is what the official adapter puts on the wire, and an rpsio node must write the same.
            1e300,
          ];
          const got = waitFor(y1, 'ev');
          s.emit('to-room', r, 'ev', ...big);
          const args = await got;
          assert.equal(args.length, big.length);
          for (const i of [3, 4]) {
            assert.deepEqual(asBuffer(args[i]), big[i], `binary argument ${i}`);
            args[i] = big[i];
          }
          assert.equal(args.pop(), 0, '1e300 as notepack.io writes it');
          big.pop();
          assert.deepEqual(args, big);
        });

        it('to-room with a socket id as the room reaches that socket on the other node only', async () => {
          const s = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          const y2 = await clients.connect(Y(), nsp);
          const seen = new Map([y1, y2].map((c) => [c, record(c, 'ev')]));
          const got = waitFor(y1, 'ev');
          s.emit('to-room', y1.id, 'ev', 'direct', Buffer.from([9]));
          const [word, bin] = await got;
          assert.equal(word, 'direct');
          assert.deepEqual(asBuffer(bin), Buffer.from([9]));
          await nothingElse(s, [y2], (c) => seen.get(c));
          assert.equal(seen.get(y1).length, 1);
        });

        it('fetch-sockets returns the sorted ids of the room on every node; leave takes effect', async () => {
          const r = uid();
          const x1 = await clients.connect(X(), nsp);
          const x2 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          const y2 = await clients.connect(Y(), nsp);
          const o = await clients.connect(Y(), other);
          for (const m of [x1, x2, y1, o]) await join(m, r);
          assert.deepEqual(await fetchIds(x2, r), ids(x1, x2, y1));
          assert.deepEqual(await fetchIds(y2, r), ids(x1, x2, y1), 'asked from the other node');
          assert.deepEqual(await fetchIds(x1, y1.id), [y1.id], 'a socket-id room');
          assert.deepEqual(await fetchIds(x1, uid('empty')), [], 'a room nobody is in');
          await emitWithAck(y1, 'leave', r);
          assert.deepEqual(await fetchIds(x2, r), ids(x1, x2), 'after a remote leave');
          await emitWithAck(x1, 'leave', r);
          assert.deepEqual(await fetchIds(y2, r), ids(x2), 'after a leave on the requester\'s side');
        });

        it('sockets-join makes the room\'s sockets on every node join the target', async () => {
          const r = uid();
          const t = uid('t');
          const t2 = uid('t2');
          const x0 = await clients.connect(X(), nsp);
          const x1 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          const y2 = await clients.connect(Y(), nsp);
          const o = await clients.connect(Y(), other);
          for (const m of [x1, y1, o]) await join(m, r);
          await emitWithAck(x0, 'sockets-join', r, t);
          await fetchUntil(x0, t, ids(x1, y1));
          await fetchUntil(y2, t, ids(x1, y1), 'the same, asked from the other node');
          await roomReady(sharded, x0, t, [x1, y1]);
          const got = [x1, y1].map((c) => waitFor(c, 'ev', (v) => v === 'to-target'));
          x0.emit('to-room', t, 'ev', 'to-target');
          await Promise.all(got);
          // A socket-id room as the selector: exactly that remote socket joins.
          await emitWithAck(x0, 'sockets-join', y2.id, t2);
          await fetchUntil(x0, t2, [y2.id]);
        });

        it('sockets-leave makes the room\'s sockets on every node leave the target', async () => {
          const r = uid();
          const t = uid('t');
          const x0 = await clients.connect(X(), nsp);
          const x1 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          const y2 = await clients.connect(Y(), nsp);
          for (const m of [x1, y1]) { await join(m, r); await join(m, t); }
          await join(y2, t);
          assert.deepEqual(await fetchIds(x0, t), ids(x1, y1, y2));
          await emitWithAck(x0, 'sockets-leave', r, t);
          await fetchUntil(x0, t, ids(y2));
          await fetchUntil(y1, t, ids(y2), 'the same, asked from the other node');
          assert.deepEqual(await fetchIds(x0, r), ids(x1, y1), 'the selector room is untouched');
          await roomReady(sharded, x0, t, [y2]);
          const seen = new Map([x1, y1].map((c) => [c, record(c, 'ev')]));
          const got = waitFor(y2, 'ev', (v) => v === 'to-target');
          x0.emit('to-room', t, 'ev', 'to-target');
          await got;
          await nothingElse(x0, [x1, y1], (c) => seen.get(c));
        });

        it('disconnect-room disconnects the room on every node and closes their connections', async () => {
          const r = uid();
          const x1 = await clients.connect(X(), nsp);
          const x2 = await clients.connect(X(), nsp);
          const m = clients.manager(Y());
          const y1 = await clients.connect(Y(), nsp, { manager: m });
          const y1b = await clients.connect(Y(), other, { manager: m }); // same connection, not in the room
          const y2 = await clients.connect(Y(), nsp);
          for (const s of [x1, y1]) await join(s, r);
          const reasons = [x1, y1, y1b].map((s) => waitFor(s, 'disconnect', () => true, { what: `disconnect of ${s.node.label}${s.nsp}` }));
          const bystanders = new Map([x2, y2].map((c) => [c, record(c, 'disconnect')]));
          x2.emit('disconnect-room', r);
          const [[rx1], [ry1], [ry1b]] = await Promise.all(reasons);
          assert.equal(rx1, 'io server disconnect', 'local member');
          assert.equal(ry1, 'io server disconnect', 'remote member');
          assert.equal(ry1b, 'io server disconnect', 'the other namespace on the remote member\'s connection');
          for (const s of [x2, y2]) {
            const [back] = await emitWithAck(s, 'message-with-ack', 'still here');
            assert.equal(back, 'still here');
            assert.deepEqual(bystanders.get(s), []);
          }
          await fetchUntil(x2, r, [], 'the room to be empty');
        });

        it('disconnect-room asked by a member disconnects it too, on both nodes', async () => {
          const r = uid();
          const x1 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          for (const s of [x1, y1]) await join(s, r);
          const reasons = [x1, y1].map((s) => waitFor(s, 'disconnect', () => true, { what: `disconnect of ${s.node.label}` }));
          x1.emit('disconnect-room', r);
          for (const [reason] of await Promise.all(reasons)) assert.equal(reason, 'io server disconnect');
        });

        it('server-side-emit reaches the other node\'s sockets of the namespace, not its own node', async () => {
          const x1 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          const yo = await clients.connect(Y(), other);
          const xo = await clients.connect(X(), other);
          const seenX = record(x1, 'server-side');
          const seenYo = record(yo, 'server-side');
          const got = waitFor(y1, 'server-side');
          x1.emit('server-side-emit', 'hello', 42, 1.5, { k: ['v', null] });
          assert.deepEqual(await got, ['hello', 42, 1.5, { k: ['v', null] }]);
          // Markers the other way round: the first server-side event each observer gets must be
          // its marker (a node's publishes and receipts are ordered, see nothingElse()).
          const mx = waitFor(x1, 'server-side', (v) => v === 'marker');
          y1.emit('server-side-emit', 'marker');
          await mx;
          assert.deepEqual(seenX, [['marker']], 'the sender\'s own node must not handle its ping-nodes');
          const mo = waitFor(yo, 'server-side', (v) => v === 'marker');
          xo.emit('server-side-emit', 'marker');
          await mo;
          assert.deepEqual(seenYo, [['marker']], 'other namespace');
        });

        it('nodes answers the other node\'s name', async () => {
          const x1 = await clients.connect(X(), nsp);
          const { value: [names], ms } = await timed(() => emitWithAck(x1, 'nodes'));
          assert.deepEqual(names, [Y().name]);
          assert.ok(ms < 1500, `answered in ${ms} ms, not at the 2 s timeout`);
        });

        it('ask-all asks every socket of the namespace on both nodes and acks the sorted answers', async () => {
          const x1 = await clients.connect(X(), nsp);
          const x2 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          const o = await clients.connect(Y(), other);
          const answer = (s) => `ans-${s.id}`;
          const asked = [x1, x2, y1, o].map((s) => answerQuestions(s, answer));
          const { value: [answers], ms } = await timed(() => emitWithAck(x1, 'ask-all', 'q?', 7));
          assert.deepEqual(answers, [x1, x2, y1].map(answer).sort());
          for (const a of asked.slice(0, 3)) assert.deepEqual(a, [['q?', 7]]);
          assert.deepEqual(asked[3], [], 'other namespace not asked');
          assert.ok(ms < 1500, `answered in ${ms} ms, not at the 2 s timeout`);
        });

        it('ask-all carries binary answers back across nodes', async () => {
          const x1 = await clients.connect(X(), nsp);
          const y1 = await clients.connect(Y(), nsp);
          answerQuestions(x1, () => 'zzz');
          answerQuestions(y1, () => Buffer.from([1, 2, 3]));
          const [[answers]] = [await emitWithAck(x1, 'ask-all', Buffer.from([4]))];
          assert.equal(answers.length, 2, JSON.stringify(answers));
          // Both sorts (JavaScript's String(), Go's JSON form) put the buffer before "zzz".
          assert.deepEqual(asBuffer(answers[0]), Buffer.from([1, 2, 3]));
          assert.equal(answers[1], 'zzz');
        });

        if (nsp === '/') {
          it('ask-all times out after 2 s with the answers that came', async () => {
            const x1 = await clients.connect(X(), nsp);
            const y1 = await clients.connect(Y(), nsp);
            const y2 = await clients.connect(Y(), nsp);
            const answer = (s) => `ans-${s.id}`;
            for (const s of [x1, y1]) answerQuestions(s, answer);
            const silent = record(y2, 'question'); // never answers
            const { value: [answers], ms } = await timed(() => emitWithAck(x1, 'ask-all', 'q?'));
            assert.deepEqual(answers, [x1, y1].map(answer).sort());
            assert.equal(silent.length, 1, 'the silent socket was asked');
            assert.ok(ms >= 1800 && ms < 4000, `acked after ${ms} ms (timeout 2 s)`);
          });
        }
      });
    }
  }
}

module.exports = { defineOps, ARGS, checkArgs, asBuffer };
