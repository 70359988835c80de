'use strict';
// Connection state recovery with the SDK over the fake wx, against the reference server
// (connectionStateRecovery) and rpsio's conformance binary (--recovery), the same assertions on
// both: the app goes to the background for 10 s (WeChat drops its socket), events are emitted
// to it and its room meanwhile; back in the foreground it reconnects with its pid and last
// offset and gets them all, once, in order, before "connect", with socket.recovered true.
// The 10 s are the SDK's clock (src/clock.js), not a real wait.
const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const io = require('../src');
const clock = require('../src/clock');
const { createFakeWx } = require('./helpers/fake-wx');
const { serverDefs, startServer } = require('./helpers/servers');
const { once, until, record } = require('./helpers/wait');

for (const base of serverDefs()) {
  const def = Object.assign({}, base, { args: base.args.concat(['--recovery', '30s']) });
  describe(def.name + ' with connection state recovery [fake wx]', () => {
    let server;
    const cleanups = [];
    before(async () => {
      server = await startServer(def);
    });
    after(async () => {
      if (server) await server.stop();
    });
    afterEach(() => {
      while (cleanups.length) cleanups.pop()();
    });

    function client(opts) {
      const wx = createFakeWx();
      const socket = io(server.url, Object.assign({ forceNew: true, wx, reconnectionDelay: 20000, reconnectionDelayMax: 20000, randomizationFactor: 0 }, opts));
      cleanups.push(() => {
        socket.io.disconnect();
        wx.destroy();
      });
      return { socket, wx };
    }

    function ack(socket, event, ...args) {
      return new Promise((resolve) => socket.emit(event, ...args, (...reply) => resolve(reply)));
    }

    it('a 10 s background: recovered, every event emitted meanwhile once and in order', async () => {
      const { socket, wx } = client();
      const auth = once(socket, 'auth');
      await once(socket, 'connect');
      await auth; // its last argument is the first offset
      assert.equal(typeof socket._pid, 'string', 'the server gave a pid');
      await ack(socket, 'join', 'room-a');
      const [roomsBefore] = await ack(socket, 'rooms');
      const id = socket.id;
      const pid = socket._pid;
      const offsetBefore = socket._lastOffset;
      assert.equal(typeof offsetBefore, 'string');
      const got = [];
      socket.on('n', (i, offset) => got.push([i, offset]));
      let lastArg;
      socket.onAny((...args) => { lastArg = args[args.length - 1]; });
      const order = [];
      socket.on('n', () => order.length || order.push('first event'));
      socket.on('connect', () => order.push('connect'));

      // The app goes to the background; WeChat drops its socket after ~5 s.
      const realNow = clock.now;
      cleanups.push(() => { clock.now = realNow; });
      wx.hide();
      const closed = once(socket, 'disconnect');
      wx.closeAll(1000, 'interrupted');
      await closed;
      // Meanwhile the server emits to it and to its room.
      const driver = client({ reconnection: false }).socket;
      await once(driver, 'connect');
      await ack(driver, 'emit-many', [id, 'room-a'], 'n', 50);
      clock.now = () => realNow() + 10000; // 10 s later, back in the foreground
      const againAuth = once(socket, 'auth', 5000);
      const connected = once(socket, 'connect', 5000);
      wx.show();
      await connected;

      assert.equal(socket.recovered, true, 'recovered');
      assert.equal(socket.id, id, 'same id');
      assert.equal(order[0], 'first event', 'the missed events come before "connect"');
      // What the SDK sent back: its pid and the offset of the last event it had.
      const [sent] = await againAuth;
      assert.equal(sent.pid, pid);
      assert.equal(sent.offset, offsetBefore);
      assert.deepEqual((await ack(socket, 'rooms'))[0], roomsBefore, 'same rooms');
      await until(() => got.length >= 50, 5000, '50 events');
      assert.deepEqual(got.map(([i]) => i), [...Array(50).keys()], 'once, in order');
      // The last offset is the last event's ("auth", sent again after the replay).
      assert.equal(typeof lastArg, 'string');
      assert.equal(socket._lastOffset, lastArg);
    });

    it('a server that lost the session: a new one, recovered false', async () => {
      const { socket, wx } = client();
      const auth = once(socket, 'auth');
      await once(socket, 'connect');
      await auth;
      const id = socket.id;
      socket._lastOffset = 'nobody-1-1'; // an offset the server never gave
      const closed = once(socket, 'disconnect');
      wx.closeAll(1000, 'interrupted');
      await closed;
      const events = record(socket, 'n');
      const connected = once(socket, 'connect', 5000);
      wx.hide();
      wx.show(); // reconnects at once
      await connected;
      assert.equal(socket.recovered, false);
      assert.notEqual(socket.id, id);
      assert.equal(events.length, 0);
    });
  });
}
