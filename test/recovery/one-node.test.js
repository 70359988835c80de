'use strict';
// Connection state recovery on one node, the same tests against the reference server
// (connectionStateRecovery) and ours (socketio/conformance --recovery): the transport drops for
// 1 s while the server emits 100 events to the socket and to its room; after the reconnection
// the client is recovered (same id, same rooms) and has all 100 once, in order. Past the
// maximum disconnection duration it gets a new session.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');
const { SERVERS, startServer } = require('./lib/servers');
const { once, until, emitWithAck } = require('./lib/wait');

const TRANSPORTS = { websocket: ['websocket'], polling: ['polling'] };

// connect opens a client whose reconnection comes exactly delayMs after a drop, and waits
// until it has its first event with an offset ("auth", sent on every connection).
async function connect(url, transports, delayMs) {
  const client = io(url, {
    transports, upgrade: false, forceNew: true, timeout: 10000,
    reconnectionDelay: delayMs, reconnectionDelayMax: delayMs, randomizationFactor: 0,
  });
  const auth = once(client, 'auth', { failOn: ['connect_error'] });
  await once(client, 'connect', { failOn: ['connect_error'] });
  await auth;
  assert.equal(typeof client._pid, 'string', 'CONNECT answered a pid');
  return client;
}

for (const server of SERVERS) {
  describe(`[${server.name}] recovery within the window`, () => {
    let srv;
    const clients = [];
    before(async () => { srv = await startServer(server, ['--recovery', '4s']); });
    after(async () => {
      for (const c of clients) c.close();
      if (srv) await srv.stop();
    });

    for (const [mode, transports] of Object.entries(TRANSPORTS)) {
      it(`${mode}: same id and rooms, the 100 missed events once and in order`, async () => {
        const client = await connect(srv.url, transports, 1000);
        clients.push(client);
        const driver = io(srv.url, { transports: ['websocket'], forceNew: true, reconnection: false });
        clients.push(driver);
        await once(driver, 'connect');
        await emitWithAck(client, 'join', 'room-a');
        await emitWithAck(client, 'join', 'room-b');
        const [roomsBefore] = await emitWithAck(client, 'rooms');
        const id = client.id;
        const got = [];
        client.on('n', (i, offset) => {
          assert.equal(typeof offset, 'string', 'an offset as the last argument');
          got.push(i);
        });

        const disconnected = once(client, 'disconnect');
        const reconnected = once(client, 'connect', { timeout: 15000 });
        // The transport drops (the client sees "forced close", the server its transport
        // closing); the client reconnects 1 s later.
        client.io.engine.close();
        await disconnected;
        // Meanwhile: 100 events, in turn to the socket and to each of its rooms.
        await emitWithAck(driver, 'emit-many', [id, 'room-a', 'room-b'], 'n', 100);
        await reconnected;

        assert.equal(client.recovered, true, 'recovered');
        assert.equal(client.id, id, 'same id');
        const [roomsAfter] = await emitWithAck(client, 'rooms');
        assert.deepEqual(roomsAfter, roomsBefore, 'same rooms');
        assert.ok(roomsAfter.includes('room-a') && roomsAfter.includes('room-b'), 'both rooms');
        await until(client, 'n', () => got.length >= 100, 'the 100 events');
        await emitWithAck(client, 'rooms'); // a round trip: nothing more is on its way
        assert.deepEqual(got, [...Array(100).keys()], 'all 100, once, in order');
      });
    }
  });

  describe(`[${server.name}] past the maximum disconnection duration`, () => {
    let srv;
    const clients = [];
    before(async () => { srv = await startServer(server, ['--recovery', '1s']); });
    after(async () => {
      for (const c of clients) c.close();
      if (srv) await srv.stop();
    });

    it('a new session: new id, no rooms, recovered false', async () => {
      const client = await connect(srv.url, ['websocket'], 2500);
      clients.push(client);
      await emitWithAck(client, 'join', 'room-a');
      const id = client.id;
      const got = [];
      client.on('n', (i) => got.push(i));
      const reconnected = once(client, 'connect', { timeout: 15000 });
      client.io.engine.close();
      const driver = io(srv.url, { transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(driver);
      await once(driver, 'connect');
      await emitWithAck(driver, 'emit-many', [id, 'room-a'], 'n', 10);
      await reconnected; // 2.5 s later: past the 1 s window
      assert.equal(client.recovered, false);
      assert.notEqual(client.id, id);
      const [rooms] = await emitWithAck(client, 'rooms');
      assert.deepEqual(rooms, [client.id]);
      assert.deepEqual(got, [], 'nothing replayed');
    });
  });
}
