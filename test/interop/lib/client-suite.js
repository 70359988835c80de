'use strict';
// The interop scenarios, run for one client version against every server × transport mode.
// client-v2.test.js, client-v3.test.js and client-v4.test.js each call defineClientSuite().
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { describe, it } = require('node:test');
const { describeEachServer } = require('./servers');
const { once: onceRaw, emitWithAck, record, deferred, withTimeout, rejectOnDisconnect, DEFAULT_TIMEOUT_MS } = require('./wait');
const {
  CLIENTS, TRANSPORTS, makeSocket, makeManager, refusalEvent, connected, initialTransport, closeAll,
} = require('./clients');

// Waits for a socket event; a disconnect meanwhile (e.g. "ping timeout") fails the wait at once
// with its reason instead of running into the timeout.
function once(emitter, event, options = {}) {
  const failOn = event === 'disconnect' || !('connected' in emitter) ? (options.failOn || []) : [...(options.failOn || []), 'disconnect'];
  return onceRaw(emitter, event, { ...options, failOn });
}

const TEST_TIMEOUT_MS = 20000;

// Plain (non-binary) arguments: numbers, strings with non-ASCII and astral characters (Engine.IO 3
// polling frames count UTF-16 units), nested objects and arrays, booleans and null.
const PLAIN_ARGS = [
  1,
  'two',
  { three: [true, null], four: 4.5, text: 'héllo wörld – ✓ 😀', nested: { deep: { deeper: ['x', 0, -1] } } },
  [1, 'x', false],
  false,
];

function asBuffer(value, what) {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  assert.fail(`${what}: expected binary (Buffer/ArrayBuffer), got ${Object.prototype.toString.call(value)} ${JSON.stringify(value)}`);
}

function assertSameBytes(actual, expected, what) {
  const a = asBuffer(actual, what);
  const e = asBuffer(expected, `${what} (expected)`);
  assert.equal(a.length, e.length, `${what}: byte length`);
  assert.ok(a.equals(e), `${what}: bytes differ`);
}

// A binary payload exercising several attachments in one packet: a 256-byte ramp, a random
// 64 KiB block, an ArrayBuffer, and buffers nested in objects and arrays.
function binaryPayload() {
  const ramp = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const big = crypto.randomBytes(64 * 1024);
  const ab = new Uint8Array([0xde, 0xad, 0xbe, 0xef]).buffer;
  const nested = { label: 'nested', data: Buffer.from('héllo wörld', 'utf8'), list: [Buffer.from([0]), 'text', 3] };
  return [ramp, big, ab, nested];
}

function assertBinaryPayload(got, sent, what) {
  assert.equal(got.length, sent.length, `${what}: argument count`);
  assertSameBytes(got[0], sent[0], `${what}[0] ramp`);
  assertSameBytes(got[1], sent[1], `${what}[1] 64 KiB block`);
  assertSameBytes(got[2], sent[2], `${what}[2] ArrayBuffer`);
  assert.equal(got[3].label, 'nested', `${what}[3].label`);
  assertSameBytes(got[3].data, sent[3].data, `${what}[3].data`);
  assert.equal(got[3].list.length, 3, `${what}[3].list length`);
  assertSameBytes(got[3].list[0], sent[3].list[0], `${what}[3].list[0]`);
  assert.equal(got[3].list[1], 'text');
  assert.equal(got[3].list[2], 3);
}

const uniq = (prefix) => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;

function defineClientSuite(clientKey) {
  const client = CLIENTS[clientKey];
  const v2 = client.version === 2;

  describe(`${client.label} (${client.pkg.version})`, () => {
    describeEachServer('socket', (ctx) => {
      for (const mode of Object.keys(TRANSPORTS)) {
        describe(mode, () => {
          // Sockets created by a test are closed after it, whatever its outcome.
          const track = (t, ...sockets) => {
            t.after(() => closeAll(sockets));
            return sockets.length === 1 ? sockets[0] : sockets;
          };
          const socket = (t, nsp, options) => track(t, makeSocket(client, ctx.server.url, nsp, mode, options));

          it('connects to "/" and receives the handshake auth', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const token = uniq('token');
            const s = socket(t, '/', { auth: { token, n: '1' } });
            if (mode === 'polling+upgrade') assert.equal(initialTransport(s), 'polling', 'starts on polling');
            const auth = once(s, 'auth', { what: '"auth" event' });
            await connected(s, mode);
            assert.equal(typeof s.id, 'string');
            assert.ok(s.id.length > 0, 'socket id');
            const [payload] = await auth;
            // 2.x has no auth option: its query string is not part of the "/" handshake auth,
            // which the reference server reports as an empty object.
            assert.deepEqual(payload, v2 ? {} : { token, n: '1' });
          });

          it('connects to "/custom" with auth', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const token = uniq('token');
            const s = socket(t, '/custom', { auth: { token } });
            const auth = once(s, 'auth', { what: '"auth" event' });
            await connected(s, mode);
            // For 2.x the namespace CONNECT packet carries the query ("40/custom?token=...,"),
            // which the server exposes as the handshake auth of that namespace.
            assert.deepEqual((await auth)[0], { token });
            if (v2) assert.match(s.id, /^\/custom#/, '2.x socket id is "<nsp>#<engine id>"');
            else assert.doesNotMatch(s.id, /#/, 'socket id');
            // Events and acks work in the custom namespace too.
            s.emit('message', 'in-custom', { n: 1 });
            assert.deepEqual(await once(s, 'message-back'), ['in-custom', { n: 1 }]);
            assert.deepEqual(await emitWithAck(s, 'message-with-ack', 'custom-ack', [2]), ['custom-ack', [2]]);
          });

          it('events both ways: "message" comes back as "message-back" with identical arguments, in order', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const s = socket(t, '/');
            await connected(s, mode);
            const backs = record(s, 'message-back');
            const three = deferred();
            s.on('message-back', () => { if (backs.length === 3) three.resolve(); });
            s.emit('message', ...PLAIN_ARGS);
            s.emit('message', 'second');
            s.emit('message');
            await withTimeout(Promise.race([three.promise, rejectOnDisconnect(s, 'three "message-back" events')]),
              DEFAULT_TIMEOUT_MS, 'three "message-back" events');
            assert.deepEqual(backs, [PLAIN_ARGS, ['second'], []]);
          });

          it('acks client → server: "message-with-ack" is acknowledged with the same arguments', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const s = socket(t, '/');
            await connected(s, mode);
            assert.deepEqual(await emitWithAck(s, 'message-with-ack', ...PLAIN_ARGS), PLAIN_ARGS);
            assert.deepEqual(await emitWithAck(s, 'message-with-ack'), []);
          });

          it('acks server → client: "ask" → "question" with an ack → "answer" with the ack arguments', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const s = socket(t, '/');
            await connected(s, mode);
            const question = once(s, 'question');
            const answer = once(s, 'answer', { failOn: ['answer-timeout'] });
            s.emit('ask', 'what?', { n: 42 }, ['a', 'b']);
            const args = await question;
            const ack = args.pop();
            assert.equal(typeof ack, 'function', 'last "question" argument is the ack callback');
            assert.deepEqual(args, ['what?', { n: 42 }, ['a', 'b']]);
            ack('reply', { ok: true, text: 'ünïcödé 😀' }, 7);
            assert.deepEqual(await answer, ['reply', { ok: true, text: 'ünïcödé 😀' }, 7]);
          });

          it('binary round trip: event, ack, and server ack request', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const s = socket(t, '/');
            await connected(s, mode);

            const sent = binaryPayload();
            s.emit('message', ...sent);
            assertBinaryPayload(await once(s, 'message-back'), sent, 'message-back');

            const sent2 = binaryPayload();
            assertBinaryPayload(await emitWithAck(s, 'message-with-ack', ...sent2), sent2, 'ack');

            // Binary in a server-initiated emit with ack, and in the client's ack reply.
            const question = once(s, 'question');
            const answer = once(s, 'answer', { failOn: ['answer-timeout'] });
            const asked = Buffer.from('question bytes \x00\x01\xff', 'latin1');
            s.emit('ask', asked, 'plain');
            const qargs = await question;
            const ack = qargs.pop();
            assert.equal(qargs.length, 2);
            assertSameBytes(qargs[0], asked, 'question[0]');
            assert.equal(qargs[1], 'plain');
            const reply = crypto.randomBytes(1000);
            ack({ bytes: reply }, 'after');
            const aargs = await answer;
            assert.equal(aargs.length, 2);
            assertSameBytes(aargs[0].bytes, reply, 'answer[0].bytes');
            assert.equal(aargs[1], 'after');
          });

          it('"/" and "/custom" multiplexed on one connection stay separate', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const manager = makeManager(client, ctx.server.url, mode);
            t.after(() => manager.disconnect());
            const main = socket(t, '/', { manager, auth: { who: 'main' } });
            const custom = socket(t, '/custom', { manager, auth: { who: 'custom' } });
            const mainAuth = once(main, 'auth');
            const customAuth = once(custom, 'auth');
            await Promise.all([connected(main, mode, 'connect "/"'), connected(custom, mode, 'connect "/custom"')]);
            assert.equal(main.io, custom.io, 'same Manager');
            assert.notEqual(main.id, custom.id);
            assert.deepEqual((await mainAuth)[0], v2 ? {} : { who: 'main' });
            assert.deepEqual((await customAuth)[0], { who: 'custom' });

            const mainBacks = record(main, 'message-back');
            const customBacks = record(custom, 'message-back');
            // The server handles one connection's packets in order: the "/custom" echo is sent
            // before the "/" one, so by the time "/" gets its echo, a misrouted "/custom" echo
            // would already have arrived.
            const customBack = once(custom, 'message-back');
            const mainBack = once(main, 'message-back');
            custom.emit('message', 'for-custom');
            main.emit('message', 'for-main');
            await Promise.all([customBack, mainBack]);
            assert.deepEqual(mainBacks, [['for-main']]);
            assert.deepEqual(customBacks, [['for-custom']]);
          });

          it('middleware refusal and unknown namespace are reported; other namespaces still connect', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const manager = makeManager(client, ctx.server.url, mode);
            t.after(() => manager.disconnect());
            const refused = socket(t, '/refused', { manager });
            const unknown = socket(t, '/does-not-exist', { manager });
            const good = socket(t, '/', { manager });
            const refusedConnects = record(refused, 'connect');
            const refusal = once(refused, refusalEvent(client), { what: `"${refusalEvent(client)}" on /refused` });
            const invalid = once(unknown, refusalEvent(client), { what: `"${refusalEvent(client)}" on /does-not-exist` });
            await connected(good, mode, 'connect "/"');
            const [err] = await refusal;
            const [err2] = await invalid;
            if (v2) {
              // 2.x: "error" event whose argument is the CONNECT_ERROR packet data: the
              // middleware error's data when it has some, else {message}.
              assert.deepEqual(err, { reason: 'test' });
              assert.deepEqual(err2, { message: 'Invalid namespace' });
            } else {
              assert.ok(err instanceof Error, 'connect_error gives an Error');
              assert.equal(err.message, 'refused');
              assert.deepEqual(err.data, { reason: 'test' });
              assert.ok(err2 instanceof Error, 'connect_error gives an Error');
              assert.equal(err2.message, 'Invalid namespace');
              assert.equal(err2.data, undefined);
            }
            assert.equal(refused.connected, false);
            assert.equal(unknown.connected, false);
            assert.deepEqual(refusedConnects, []);
            // The shared connection survived the refusals.
            assert.deepEqual(await emitWithAck(good, 'message-with-ack', 'still-up'), ['still-up']);
          });

          it('room broadcast reaches the members (sender included) and not the others', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const room = uniq('room');
            const otherRoom = uniq('other');
            const [a, b, c] = track(t,
              makeSocket(client, ctx.server.url, '/', mode),
              makeSocket(client, ctx.server.url, '/', mode),
              makeSocket(client, ctx.server.url, '/', mode));
            await Promise.all([connected(a, mode, 'connect a'), connected(b, mode, 'connect b'), connected(c, mode, 'connect c')]);
            await emitWithAck(a, 'join', room);
            await emitWithAck(b, 'join', room);
            await emitWithAck(c, 'join', otherRoom);

            const gotA = once(a, 'room-event');
            const gotB = once(b, 'room-event');
            const cEvents = record(c, 'room-event');
            const sentinel = deferred();
            c.on('sentinel', (...args) => sentinel.resolve({ args, roomEventsSoFar: cEvents.length }));

            const bytes = Buffer.from([1, 2, 3, 250]);
            a.emit('to-room', room, 'room-event', 'hello', { n: 1 }, bytes);
            // Sent after the broadcast on the same connection: had "room-event" been
            // (wrongly) sent to c, it would reach c before this.
            a.emit('to-room', otherRoom, 'sentinel', 'done');

            for (const [who, p] of [['a (sender)', gotA], ['b', gotB]]) {
              const args = await p;
              assert.equal(args.length, 3, `${who}: argument count`);
              assert.equal(args[0], 'hello', who);
              assert.deepEqual(args[1], { n: 1 }, who);
              assertSameBytes(args[2], bytes, `${who}: binary argument`);
            }
            const s = await withTimeout(Promise.race([sentinel.promise, rejectOnDisconnect(c, '"sentinel"')]),
              DEFAULT_TIMEOUT_MS, '"sentinel" on the non-member');
            assert.deepEqual(s.args, ['done']);
            assert.equal(s.roomEventsSoFar, 0, 'non-member received the room broadcast');
          });

          it('server-side disconnect ("kick"): reason "io server disconnect", no automatic reconnection', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            // Reconnection on, with a 1 ms delay: if the client were going to reconnect, its
            // attempt would be scheduled before the check timer below and fire first.
            const s = socket(t, '/', {
              opts: { reconnection: true, reconnectionDelay: 1, reconnectionDelayMax: 1, randomizationFactor: 0 },
            });
            await connected(s, mode);
            const manager = s.io;
            const managerCloses = record(manager, 'close');
            const reconnectAttempts = record(manager, 'reconnect_attempt');
            const socketConnects = record(s, 'connect');
            const disconnect = once(s, 'disconnect');
            s.emit('kick');
            const [reason] = await disconnect;
            assert.equal(reason, 'io server disconnect');
            assert.equal(s.connected, false);
            if (client.version === 4) assert.equal(s.active, false, 'socket.active after server disconnect');
            // With its last namespace gone the client closes the connection itself ("forced
            // close"), which is the path that does not reconnect ("transport close" would).
            if (managerCloses.length === 0) await once(manager, 'close', { what: 'Manager "close"' });
            assert.equal(managerCloses[0][0], 'forced close', 'Manager close reason');
            // Absence check, bounded by timer ordering rather than a guess: a reconnect attempt
            // would have been scheduled 1 ms after the close, so it fires before this timer.
            await new Promise((resolve) => setTimeout(resolve, 50));
            assert.deepEqual(reconnectAttempts, [], 'reconnect attempts');
            assert.deepEqual(socketConnects, [], 'socket connected again');
            assert.equal(s.connected, false);
          });

          it('100 acked emits sent right after construction (before connect) are all answered, in order', { timeout: TEST_TIMEOUT_MS }, async (t) => {
            const s = socket(t, '/');
            const acks = [];
            const all = deferred();
            for (let i = 0; i < 100; i++) {
              s.emit('message-with-ack', i, `payload-${i}`, { i }, (...args) => {
                acks.push(args);
                if (acks.length === 100) all.resolve();
              });
            }
            assert.equal(s.connected, false, 'emits were queued before the connection was up');
            await withTimeout(Promise.race([all.promise, rejectOnDisconnect(s, '100 acks')]), 10000, '100 acks');
            assert.deepEqual(acks, Array.from({ length: 100 }, (_, i) => [i, `payload-${i}`, { i }]));
            await connected(s, mode); // and the transport ended where the mode says (upgrade done)
          });
        });
      }
    });
  });
}

module.exports = { defineClientSuite, asBuffer, assertSameBytes, binaryPayload, assertBinaryPayload, PLAIN_ARGS };
