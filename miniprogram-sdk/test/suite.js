'use strict';
// The SDK suite, run against every server of the fixture (helpers/servers.js):
// the same assertions must hold on the official socket.io server and on rpsio.
const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const net = require('net');
const WebSocket = require('ws');
const io = require('../src');
const clock = require('../src/clock');
const { createFakeWx } = require('./helpers/fake-wx');
const { startServer } = require('./helpers/servers');
const { once, until, record, count } = require('./helpers/wait');

// Bounded wait used only to assert that something does NOT happen.
function quiet(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function bytes(ab) {
  assert.equal(Object.prototype.toString.call(ab), '[object ArrayBuffer]', 'expected an ArrayBuffer');
  return Array.from(new Uint8Array(ab));
}

// A port on which nothing listens (connections are refused).
function deadPort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => resolve(port));
    });
  });
}

module.exports = function defineSuite(def, variant) {
  variant = variant || 'wx';
  const title = def.name + ' [' + (variant === 'wx' ? 'fake wx SocketTask' : 'browser WebSocket') + ']';

  describe(title, () => {
    let server;
    const cleanups = [];
    const fakes = [];

    before(async () => {
      server = await startServer(def);
    });
    after(async () => {
      if (server) await server.stop();
    });
    afterEach(async () => {
      while (cleanups.length) {
        try {
          cleanups.pop()();
        } catch (e) {
          // ignore
        }
      }
      for (const wx of fakes.splice(0)) {
        assert.deepEqual(wx.globalApiCalls, [], 'the global wx.onSocket* API was used');
        wx.destroy();
      }
    });

    // A fake wx plus a socket on it. opts are io() options.
    function client(nsp, opts, wx) {
      wx = wx || createFakeWx((opts && opts.fake) || {});
      if (fakes.indexOf(wx) === -1) fakes.push(wx);
      const o = Object.assign(
        { forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 200, wx },
        opts || {}
      );
      delete o.fake;
      if (variant === 'websocket') {
        o.transport = 'websocket';
        o.WebSocket = WebSocket;
      }
      const url = (o.url || server.url) + (nsp || '');
      delete o.url;
      const socket = io(url, o);
      cleanups.push(() => socket.io.disconnect());
      return { socket, wx };
    }

    it('connects with auth over one SocketTask and gets the auth back', async () => {
      const { socket, wx } = client('', { auth: { token: 'abc', n: 1 } });
      const [[auth]] = await Promise.all([once(socket, 'auth'), once(socket, 'connect')]);
      assert.deepEqual(auth, { token: 'abc', n: 1 });
      assert.equal(socket.connected, true);
      assert.equal(typeof socket.id, 'string');
      assert.ok(socket.id.length > 0);
      if (variant === 'wx') {
        assert.equal(wx.tasks.length, 1);
        assert.match(wx.tasks[0].url, /\/socket\.io\/\?EIO=4&transport=websocket/);
      }
    });

    it('accepts auth as a function', async () => {
      const { socket } = client('', { auth: (cb) => cb({ from: 'fn' }) });
      const [auth] = await once(socket, 'auth');
      assert.deepEqual(auth, { from: 'fn' });
    });

    it('emits events and receives events (all JSON types), onAny', async () => {
      const { socket } = client('');
      await Promise.all([once(socket, 'connect'), once(socket, 'auth')]);
      const any = [];
      socket.onAny((event, ...args) => any.push(event));
      const args = [1, 'two', { three: [3, { four: null }] }, null, true, 1.5, ''];
      socket.emit('message', ...args);
      const got = await once(socket, 'message-back');
      assert.deepEqual(got, args);
      assert.deepEqual(any, ['message-back']);
    });

    it('acks: callback, timeout(ms).emit error-first, emitWithAck', async () => {
      const { socket } = client('');
      await once(socket, 'connect');
      const plain = await new Promise((resolve) => socket.emit('message-with-ack', 1, 'b', { c: [2] }, (...a) => resolve(a)));
      assert.deepEqual(plain, [1, 'b', { c: [2] }]);

      const withTimeout = await new Promise((resolve) => socket.timeout(2000).emit('message-with-ack', 'x', (...a) => resolve(a)));
      assert.deepEqual(withTimeout, [null, 'x']);

      const value = await socket.emitWithAck('message-with-ack', { v: 42 });
      assert.deepEqual(value, { v: 42 });
      const value2 = await socket.timeout(2000).emitWithAck('message-with-ack', 'y');
      assert.equal(value2, 'y');
    });

    it('acks time out with a clear error when the server never answers', async () => {
      const { socket } = client('');
      await once(socket, 'connect');
      const started = Date.now();
      const [err] = await new Promise((resolve) => socket.timeout(150).emit('no-such-event', 1, (...a) => resolve(a)));
      assert.ok(err instanceof Error);
      assert.match(err.message, /timed out/);
      assert.ok(Date.now() - started >= 140);
      await assert.rejects(socket.timeout(100).emitWithAck('no-such-event'), /timed out/);
      // ackTimeout option makes every ack error-first with that timeout.
      const { socket: s2 } = client('', { ackTimeout: 100 });
      await once(s2, 'connect');
      const [err2] = await new Promise((resolve) => s2.emit('no-such-event', (...a) => resolve(a)));
      assert.match(err2.message, /timed out/);
      const ok = await new Promise((resolve) => s2.emit('message-with-ack', 7, (...a) => resolve(a)));
      assert.deepEqual(ok, [null, 7]);
    });

    it('answers server acks (ask → question → answer)', async () => {
      const { socket } = client('');
      await once(socket, 'connect');
      socket.on('question', (...args) => {
        const ack = args.pop();
        assert.equal(typeof ack, 'function');
        ack('reply', ...args);
      });
      socket.emit('ask', 'q1', { n: 2 });
      const answer = await once(socket, 'answer');
      assert.deepEqual(answer, ['reply', 'q1', { n: 2 }]);
    });

    it('binary: ArrayBuffer and typed arrays, nested, come back as ArrayBuffer', async () => {
      const { socket, wx } = client('');
      await once(socket, 'connect');
      const ab = new Uint8Array([1, 2, 3, 255]).buffer;
      const nested = { name: 'n', deep: { buf: new Uint8Array([9, 8]) }, list: [new Uint16Array([1]).buffer, 'x'] };
      socket.emit('message', ab, nested, 'text');
      const [b1, n1, t] = await once(socket, 'message-back');
      assert.deepEqual(bytes(b1), [1, 2, 3, 255]);
      assert.equal(n1.name, 'n');
      assert.deepEqual(bytes(n1.deep.buf), [9, 8]);
      assert.deepEqual(bytes(n1.list[0]), [1, 0]);
      assert.equal(n1.list[1], 'x');
      assert.equal(t, 'text');
      if (variant === 'wx') {
        const frames = wx.tasks[0].sent;
        assert.ok(frames.some((f) => typeof f === 'string' && f.startsWith('453-[')), 'binary event header');
        assert.ok(frames.some((f) => Object.prototype.toString.call(f) === '[object ArrayBuffer]'), 'raw binary frames');
      }
      // binary in an ack
      const acked = await new Promise((resolve) => socket.emit('message-with-ack', { b: new Uint8Array([7]) }, (...a) => resolve(a)));
      assert.deepEqual(bytes(acked[0].b), [7]);
      // binary in our ack to the server
      socket.once('question', (...args) => args.pop()(new Uint8Array([4, 2]).buffer));
      socket.emit('ask');
      const [back] = await once(socket, 'answer');
      assert.deepEqual(bytes(back), [4, 2]);
    });

    it('multiplexes two namespaces over one SocketTask', async () => {
      const wx = createFakeWx();
      fakes.push(wx);
      const opts = { wx, auth: { who: 'main' }, reconnectionDelay: 50 };
      if (variant === 'websocket') Object.assign(opts, { transport: 'websocket', WebSocket });
      const a = io(server.url, opts);
      const b = io(server.url + '/custom', Object.assign({}, opts, { auth: { who: 'custom' } }));
      cleanups.push(() => a.io.disconnect());
      assert.equal(a.io, b.io, 'same manager');
      const [[authA], [authB]] = await Promise.all([once(a, 'auth'), once(b, 'auth')]);
      assert.deepEqual(authA, { who: 'main' });
      assert.deepEqual(authB, { who: 'custom' });
      if (variant === 'wx') assert.equal(wx.tasks.length, 1, 'one SocketTask for both namespaces');
      assert.notEqual(a.id, b.id);

      const gotA = record(a, 'message-back');
      const gotB = record(b, 'message-back');
      b.emit('message', 'for-b');
      a.emit('message', 'for-a');
      await count(gotA, 1);
      await count(gotB, 1);
      assert.deepEqual(gotA, [['for-a']]);
      assert.deepEqual(gotB, [['for-b']]);

      // rooms are per namespace
      await new Promise((r) => b.emit('join', 'room1', r));
      b.emit('to-room', 'room1', 'hello', 1, { x: 2 });
      assert.deepEqual(await once(b, 'hello'), [1, { x: 2 }]);

      // leaving one namespace keeps the other and the task
      const closedA = once(a, 'disconnect');
      a.disconnect();
      assert.deepEqual((await closedA)[0], 'io client disconnect');
      assert.equal(b.connected, true);
      b.emit('message', 'still');
      assert.deepEqual(await once(b, 'message-back'), ['still']);
      if (variant === 'wx') {
        assert.equal(wx.live.size, 1);
        const gone = once(wx.events, 'closed');
        b.disconnect();
        await gone;
        assert.equal(wx.live.size, 0, 'last namespace closes the task');
        assert.equal(wx.listenerCount(), 0, 'platform listeners removed');
      } else {
        b.disconnect();
      }
    });

    it('refused namespace: connect_error with the message and data', async () => {
      const { socket, wx } = client('/refused');
      const [err] = await once(socket, 'connect_error');
      assert.equal(err.message, 'refused');
      assert.deepEqual(err.data, { reason: 'test' });
      assert.equal(socket.active, false);
      assert.equal(socket.connected, false);
      if (variant === 'wx') await until(() => wx.live.size === 0, 3000, 'task closed');
    });

    it('server-side kick: "io server disconnect" and no reconnection', async () => {
      const { socket, wx } = client('', { reconnectionDelay: 20, reconnectionDelayMax: 20 });
      await once(socket, 'connect');
      const attempts = record(socket.io, 'reconnect_attempt');
      socket.emit('kick');
      const [reason] = await once(socket, 'disconnect');
      assert.equal(reason, 'io server disconnect');
      assert.equal(socket.active, false);
      await quiet(300);
      assert.equal(attempts.length, 0);
      assert.equal(socket.connected, false);
      if (variant === 'wx') {
        assert.equal(wx.tasks.length, 1);
        assert.equal(wx.live.size, 0);
      }
      // connect() again works
      socket.connect();
      await once(socket, 'connect');
    });

    it('queues emits made before connecting and sends them in order; volatile ones are dropped', async () => {
      const { socket } = client('', { autoConnect: false });
      const got = record(socket, 'message-back');
      socket.emit('message', 1);
      socket.volatile.emit('message', 'volatile');
      socket.emit('message', 2);
      socket.emit('message', 3);
      assert.equal(socket.sendBuffer.length, 3);
      socket.connect();
      await count(got, 3);
      socket.emit('message', 'last');
      await count(got, 4);
      assert.deepEqual(got, [[1], [2], [3], ['last']]);
    });

    it('bounded queue: the oldest emits are dropped and reported', async () => {
      const { socket } = client('', { autoConnect: false, maxQueueSize: 2 });
      const dropped = record(socket, 'dropped');
      const got = record(socket, 'message-back');
      let ackErr;
      socket.timeout(5000).emit('message', 'a', (err) => {
        ackErr = err;
      });
      socket.emit('message', 'b');
      socket.emit('message', 'c');
      socket.emit('message', 'd');
      assert.equal(dropped.length, 2);
      assert.equal(dropped[0][0].event, 'message');
      assert.deepEqual(dropped[0][0].args, ['a']);
      assert.match(dropped[0][0].reason, /queue full/);
      assert.deepEqual(dropped[1][0].args, ['b']);
      assert.ok(ackErr instanceof Error);
      assert.match(ackErr.message, /dropped/);
      socket.connect();
      await count(got, 2);
      assert.deepEqual(got, [['c'], ['d']]);
    });

    it('a queued emit whose ack times out leaves the queue', async () => {
      const { socket } = client('', { autoConnect: false });
      const [err] = await new Promise((resolve) => socket.timeout(50).emit('message', 'late', (...a) => resolve(a)));
      assert.match(err.message, /timed out/);
      assert.equal(socket.sendBuffer.length, 0);
      const got = record(socket, 'message-back');
      socket.emit('message', 'kept');
      socket.connect();
      await count(got, 1);
      assert.deepEqual(got, [['kept']]);
    });

    it('reserved event names cannot be emitted', () => {
      const { socket } = client('', { autoConnect: false });
      assert.throws(() => socket.emit('connect'), /reserved/);
      assert.throws(() => socket.emit('disconnect'), /reserved/);
    });

    it('server restart: reconnects with backoff, flushes the queue in order, fails pending acks', async () => {
      const own = await startServer(def);
      cleanups.push(() => own.stop());
      const { socket } = client('', {
        url: own.url,
        reconnectionDelay: 100,
        reconnectionDelayMax: 400,
        randomizationFactor: 0,
      });
      await once(socket, 'connect');
      const firstId = socket.id;
      const attempts = [];
      socket.io.on('reconnect_attempt', (n) => attempts.push({ n, t: Date.now() }));
      let pendingErr;
      socket.timeout(10000).emit('no-such-event', (err) => {
        pendingErr = err;
      });
      const pending = socket.emitWithAck('no-such-event');
      pending.catch(() => {});
      const disconnected = once(socket, 'disconnect');
      await own.stop();
      const [reason, details] = await disconnected;
      assert.ok(reason === 'transport close' || reason === 'transport error', reason);
      assert.equal(typeof details, 'object');
      assert.ok(pendingErr instanceof Error, 'pending timeout-ack failed at disconnect');
      assert.match(pendingErr.message, /disconnected/);
      await assert.rejects(pending, /disconnected/);

      const got = record(socket, 'message-back');
      socket.emit('message', 'm1');
      socket.volatile.emit('message', 'volatile');
      socket.emit('message', 'm2', { binary: new Uint8Array([1]) });
      socket.emit('message', 'm3');
      const ackWhileDown = socket.emitWithAck('message-with-ack', 'acked-later');

      await until(() => attempts.length >= 3, 5000, '3 reconnect attempts');
      const reconnected = once(socket.io, 'reconnect');
      const connected = once(socket, 'connect');
      const again = await own.restart();
      cleanups.push(() => again.stop());
      const [attempt] = await reconnected;
      await connected;
      assert.ok(attempt >= 3, 'reconnect reports the attempt count');
      assert.notEqual(socket.id, firstId);
      // backoff: 100, 200, 400 ms (no jitter)
      assert.equal(attempts[0].n, 1);
      assert.equal(attempts[1].n, 2);
      const gap1 = attempts[1].t - attempts[0].t;
      const gap2 = attempts[2].t - attempts[1].t;
      assert.ok(gap1 >= 180, 'second delay ~200 ms, got ' + gap1);
      assert.ok(gap2 >= 380, 'third delay ~400 ms, got ' + gap2);
      // the queue, in order, volatile dropped
      await count(got, 3);
      assert.equal(got[0][0], 'm1');
      assert.equal(got[1][0], 'm2');
      assert.deepEqual(bytes(got[1][1].binary), [1]);
      assert.equal(got[2][0], 'm3');
      assert.equal(await ackWhileDown, 'acked-later');
      socket.emit('message', 'after');
      await count(got, 4);
      assert.equal(got.length, 4);
      assert.equal(got[3][0], 'after');
      socket.disconnect();
      await again.stop();
    });

    it('heartbeat: a socket that goes silent without any close event is detected and replaced', async () => {
      const { socket, wx } = client('', { reconnectionDelay: 50 });
      await once(socket, 'connect');
      const task = wx.liveTasks()[0];
      const firstId = socket.id;
      const started = Date.now();
      if (variant === 'wx') task.goSilent();
      else {
        // `ws`: stop reading the TCP socket: no message, no close event
        const ws = socket.io.engine.transport.ws;
        ws._socket.pause();
        cleanups.push(() => ws.terminate());
      }
      const [reason, details] = await once(socket, 'disconnect', 3000);
      const elapsed = Date.now() - started;
      assert.equal(reason, 'ping timeout');
      assert.match(details.description, /ping/);
      assert.ok(elapsed <= 1500, 'detected within ~pingInterval+pingTimeout, took ' + elapsed);
      if (variant === 'wx') {
        assert.equal(task.closeReported, false, 'the task never reported a close');
        assert.ok(task.closeCalls >= 1, 'the dead task was closed');
      }
      await once(socket, 'connect', 3000);
      assert.notEqual(socket.id, firstId);
      if (variant === 'wx') assert.equal(wx.tasks.length, 2);
      socket.emit('message', 'alive');
      assert.deepEqual(await once(socket, 'message-back'), ['alive']);
    });

    if (variant === 'wx') {
      it('close code and reason reported by WeChat reach the disconnect details', async () => {
        const { socket, wx } = client('');
        await once(socket, 'connect');
        const closed = once(socket, 'disconnect');
        wx.closeAll(1000, 'interrupted');
        const [reason, details] = await closed;
        assert.equal(reason, 'transport close');
        assert.equal(details.code, 1000);
        assert.equal(details.reason, 'interrupted');
        await once(socket, 'connect');
        const closed2 = once(socket, 'disconnect');
        wx.closeAll(1006);
        const [, details2] = await closed2;
        assert.equal(details2.code, 1006);
        assert.equal(details2.reason, 'abnormal closure');
        await once(socket, 'connect');
      });

      it('app show reconnects at once instead of waiting for the backoff', async () => {
        const { socket, wx } = client('', { reconnectionDelay: 20000, reconnectionDelayMax: 20000, randomizationFactor: 0 });
        await once(socket, 'connect');
        wx.hide();
        const closed = once(socket, 'disconnect');
        wx.closeAll(1000, 'interrupted'); // WeChat drops sockets of apps in the background
        await closed;
        const attempts = record(socket.io, 'reconnect_attempt');
        const shownAt = Date.now();
        const connected = once(socket, 'connect', 3000);
        wx.show();
        await connected;
        assert.ok(Date.now() - shownAt < 2000, 'reconnected without the 20 s backoff');
        assert.equal(attempts.length, 1);
      });

      it('app show with a stale connection (timers frozen in the background) reconnects at once', async () => {
        const { socket, wx } = client('', { reconnectionDelay: 20000, reconnectionDelayMax: 20000 });
        await once(socket, 'connect');
        const realNow = clock.now;
        cleanups.push(() => {
          clock.now = realNow;
        });
        wx.hide();
        wx.liveTasks()[0].goSilent();
        const offset = 60000; // the app spent a minute in the background
        clock.now = () => realNow() + offset;
        const got = [];
        socket.once('disconnect', (reason, details) => got.push(reason, details));
        const connected = once(socket, 'connect', 3000);
        wx.show();
        // decided synchronously on show, not by the heartbeat timer
        assert.equal(got[0], 'ping timeout');
        assert.match(got[1].description, /stale after app show/);
        await connected;
        clock.now = realNow;
        socket.emit('message', 'fresh');
        assert.deepEqual(await once(socket, 'message-back'), ['fresh']);
      });

      it('app show with a healthy connection keeps it', async () => {
        const { socket, wx } = client('');
        await once(socket, 'connect');
        const id = socket.id;
        const disconnects = record(socket, 'disconnect');
        wx.hide();
        wx.show();
        socket.emit('message', 'same');
        assert.deepEqual(await once(socket, 'message-back'), ['same']);
        assert.equal(socket.id, id);
        assert.equal(disconnects.length, 0);
      });

      it('mini-game flavour (wx.onShow / wx.onHide) works too', async () => {
        const { socket, wx } = client('', {
          fake: { miniGame: true },
          reconnectionDelay: 20000,
          reconnectionDelayMax: 20000,
          randomizationFactor: 0,
        });
        await once(socket, 'connect');
        assert.equal(typeof wx.onAppShow, 'undefined');
        wx.hide();
        const closed = once(socket, 'disconnect');
        wx.closeAll(1000, 'interrupted');
        await closed;
        const connected = once(socket, 'connect', 3000);
        wx.show();
        await connected;
      });

      it('offline: no attempts while offline, reconnects as soon as the network is back', async () => {
        const { socket, wx } = client('', { reconnectionDelay: 30, reconnectionDelayMax: 60 });
        await once(socket, 'connect');
        const closed = once(socket, 'disconnect');
        wx.setNetwork(false, { dropSockets: 'close' });
        const [reason, details] = await closed;
        assert.ok(reason === 'transport close' || reason === 'transport error', reason);
        assert.equal(details.code, 1006);
        const tasksWhenOffline = wx.tasks.length;
        await quiet(400); // many backoff periods
        assert.equal(wx.tasks.length, tasksWhenOffline, 'no connection attempt while offline');
        const connected = once(socket, 'connect', 3000);
        const t0 = Date.now();
        wx.setNetwork(true, { networkType: '4g' });
        await connected;
        assert.ok(Date.now() - t0 < 2000);
        assert.equal(wx.tasks.length, tasksWhenOffline + 1, 'exactly one new attempt');
      });

      it('offline with a socket that went silent: detected, then reconnected when online', async () => {
        const { socket, wx } = client('', { reconnectionDelay: 30, reconnectionDelayMax: 60 });
        await once(socket, 'connect');
        const closed = once(socket, 'disconnect', 3000);
        wx.setNetwork(false, { dropSockets: 'silent' });
        const [reason] = await closed;
        assert.equal(reason, 'ping timeout');
        const n = wx.tasks.length;
        await quiet(200);
        assert.equal(wx.tasks.length, n);
        const connected = once(socket, 'connect', 3000);
        wx.setNetwork(true);
        await connected;
      });

      it('a network change while connected keeps a healthy connection', async () => {
        const { socket, wx } = client('');
        await once(socket, 'connect');
        const id = socket.id;
        wx.setNetwork(true, { networkType: '4g' });
        socket.emit('message', 'ok');
        assert.deepEqual(await once(socket, 'message-back'), ['ok']);
        assert.equal(socket.id, id);
      });
    }

    it('reconnectionAttempts: gives up with reconnect_failed', async () => {
      const port = await deadPort();
      const { socket, wx } = client('', {
        url: 'http://127.0.0.1:' + port,
        reconnectionAttempts: 2,
        reconnectionDelay: 10,
        reconnectionDelayMax: 20,
      });
      const errors = record(socket, 'connect_error');
      const attempts = record(socket.io, 'reconnect_attempt');
      await once(socket.io, 'reconnect_failed', 5000);
      assert.deepEqual(attempts, [[1], [2]]);
      assert.equal(errors.length, 3, 'initial attempt + 2 reconnection attempts');
      await quiet(100);
      assert.equal(attempts.length, 2);
      if (variant === 'wx') {
        assert.equal(wx.tasks.length, 3);
        // app show after giving up does not revive it; connect() does
        wx.show();
        assert.equal(wx.tasks.length, 3);
      }
    });

    it('disconnect() ends all retries', async () => {
      const port = await deadPort();
      const { socket, wx } = client('', { url: 'http://127.0.0.1:' + port, reconnectionDelay: 20, reconnectionDelayMax: 20 });
      const attempts = record(socket.io, 'reconnect_attempt');
      await until(() => attempts.length >= 2, 5000, '2 attempts');
      socket.disconnect();
      const n = attempts.length;
      const tasks = wx.tasks.length;
      if (variant === 'wx') {
        wx.show();
        wx.setNetwork(true);
      }
      await quiet(300);
      assert.equal(attempts.length, n, 'no attempt after disconnect()');
      assert.equal(wx.tasks.length, tasks);
      assert.equal(socket.active, false);
      if (variant === 'wx') {
        await until(() => wx.live.size === 0, 3000, 'all tasks closed');
        assert.equal(wx.listenerCount(), 0, 'platform listeners removed');
      }
    });

    it('disconnect() while connected stops reconnection for good', async () => {
      const { socket, wx } = client('');
      await once(socket, 'connect');
      const [reason] = await new Promise((resolve) => {
        socket.once('disconnect', (...a) => resolve(a));
        socket.disconnect();
      });
      assert.equal(reason, 'io client disconnect');
      if (variant === 'wx') await until(() => wx.live.size === 0, 3000, 'task closed');
      await quiet(150);
      assert.equal(wx.tasks.length, variant === 'wx' ? 1 : 0);
      assert.equal(socket.connected, false);
    });

    for (const mode of variant === 'wx' ? ['fail', 'throw', 'ok'] : ['standard']) {
      it('close while connecting is safe (SocketTask.close while connecting: ' + mode + ')', async () => {
        const { socket, wx } = client('', { fake: { closeWhileConnecting: mode } });
        const connects = record(socket, 'connect');
        const errors = record(socket, 'connect_error');
        assert.doesNotThrow(() => socket.disconnect());
        assert.doesNotThrow(() => socket.disconnect());
        assert.doesNotThrow(() => socket.close());
        if (variant === 'wx') {
          const task = wx.tasks[0];
          await until(() => task.state === 3, 3000, 'task closed');
          assert.ok(task.closeCalls >= 1);
        }
        await quiet(100);
        assert.equal(connects.length, 0);
        assert.equal(errors.length, 0);
        assert.equal(socket.connected, false);
        // and it can connect again afterwards
        socket.connect();
        await once(socket, 'connect');
      });
    }

    it('close right after the websocket opened (before the namespace is connected) is safe', async () => {
      const { socket, wx } = client('');
      const connects = record(socket, 'connect');
      await once(socket.io, 'open');
      socket.disconnect();
      if (variant === 'wx') await until(() => wx.live.size === 0, 3000, 'task closed');
      await quiet(100);
      assert.equal(connects.length, 0);
    });

    it('close during the backoff wait is safe and final', async () => {
      const port = await deadPort();
      const { socket, wx } = client('', { url: 'http://127.0.0.1:' + port, reconnectionDelay: 200, reconnectionDelayMax: 200 });
      await once(socket, 'connect_error');
      const attempts = record(socket.io, 'reconnect_attempt');
      socket.disconnect();
      await quiet(400);
      assert.equal(attempts.length, 0);
      assert.equal(wx.tasks.length, variant === 'wx' ? 1 : 0);
    });
  });
};
