'use strict';
// Connection state recovery across nodes (ours only: the reference recovers across nodes only
// with its Redis Streams adapter, not with the pub/sub one). Two conformance nodes share a real
// redis-server; a TCP proxy in front of them plays the load balancer. The client is on node A;
// its transport drops for 1 s while A emits 100 events to it and its room; the proxy now sends
// connections to B, where the client comes back recovered with all 100, once, in order.
//
// A Node socket.io server with @socket.io/redis-adapter (no recovery) on the same Redis checks
// that what Node peers get of our broadcasts is issue 7's wire: no offset in the data.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { io } = require('socket.io-client');
const { GO, startServer, spawnUntil } = require('./lib/servers');
const { startRedis } = require('./lib/redis');
const { startProxy } = require('./lib/proxy');
const { once, until, emitWithAck } = require('./lib/wait');

describe('[go] recovery across two nodes on one Redis', { skip: GO ? false : 'CONFORMANCE_BIN not set' }, () => {
  let redis;
  let a;
  let b;
  let peer;
  let proxy;
  const clients = [];
  before(async () => {
    redis = await startRedis();
    // A heartbeat slower than the tests (the conformance default is 300 + 200 ms): a half-open
    // connection is then noticed only by what recovery does, not by a ping timeout.
    const args = (name) => ['--recovery', '5s', '--redis-url', redis.url, '--name', name, '--ping-interval', '10s', '--ping-timeout', '10s'];
    [a, b] = await Promise.all([startServer(GO, args('a')), startServer(GO, args('b'))]);
    proxy = await startProxy(a.port);
  });
  after(async () => {
    for (const c of clients) c.close();
    if (proxy) await proxy.close();
    for (const p of [a, b, peer]) if (p) await p.stop();
    if (redis) await redis.stop();
  });

  function client(url, opts = {}) {
    const c = io(url, { transports: ['websocket'], forceNew: true, timeout: 10000, reconnection: false, ...opts });
    clients.push(c);
    return c;
  }

  it('reconnects through the other node, recovered with every missed event in order', async () => {
    const c = client(proxy.url, { reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 1000, randomizationFactor: 0 });
    const auth = once(c, 'auth');
    await once(c, 'connect', { failOn: ['connect_error'] });
    await auth;
    assert.deepEqual((await emitWithAck(c, 'nodes'))[0], ['b'], 'first on node A');
    await emitWithAck(c, 'join', 'room-a');
    const [roomsBefore] = await emitWithAck(c, 'rooms');
    const id = c.id;
    const got = [];
    c.on('n', (i) => got.push(i));
    const driver = client(a.url);
    await once(driver, 'connect');

    proxy.switchTo(b.port); // the next connection goes to B
    const reconnected = once(c, 'connect', { timeout: 15000 });
    c.io.engine.close();
    await emitWithAck(driver, 'emit-many', [id, 'room-a'], 'n', 100); // from A, meanwhile
    await reconnected;

    assert.deepEqual((await emitWithAck(c, 'nodes'))[0], ['a'], 'now on node B');
    assert.equal(c.recovered, true, 'recovered');
    assert.equal(c.id, id, 'same id');
    assert.deepEqual((await emitWithAck(c, 'rooms'))[0], roomsBefore, 'same rooms');
    await until(c, 'n', () => got.length >= 100, 'the 100 events');
    await emitWithAck(c, 'rooms');
    assert.deepEqual(got, [...Array(100).keys()], 'all 100, once, in order');

    // And back to A, with events from B meanwhile.
    proxy.switchTo(a.port);
    got.length = 0;
    const driverB = client(b.url);
    await once(driverB, 'connect');
    const again = once(c, 'connect', { timeout: 15000 });
    c.io.engine.close();
    await emitWithAck(driverB, 'emit-many', [id, 'room-a'], 'n', 100);
    await again;
    assert.equal(c.recovered, true);
    assert.equal(c.id, id);
    await until(c, 'n', () => got.length >= 100, 'the 100 events');
    assert.deepEqual(got, [...Array(100).keys()]);
  });

  it('the old connection still open on its node (half-open): recovered through the other node', async () => {
    proxy.switchTo(a.port);
    const c = client(proxy.url, { reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 1000, randomizationFactor: 0 });
    const auth = once(c, 'auth');
    await once(c, 'connect', { failOn: ['connect_error'] });
    await auth;
    assert.deepEqual((await emitWithAck(c, 'nodes'))[0], ['b'], 'first on node A');
    await emitWithAck(c, 'join', 'room-a');
    const id = c.id;
    const got = [];
    c.on('n', (i) => got.push(i));
    const driver = client(a.url);
    await once(driver, 'connect');

    // The client's connection dies without A knowing (no close reaches it; its ping timeout is
    // far away); the client comes back through B. B finds no saved session: it asks the other
    // nodes, A closes the old connection, which saves the session, and B recovers it.
    proxy.strand();
    proxy.switchTo(b.port);
    const reconnected = once(c, 'connect', { timeout: 15000 });
    c.io.engine.close();
    await emitWithAck(driver, 'emit-many', [id, 'room-a'], 'n', 100); // to A's old socket, meanwhile
    await reconnected;
    assert.deepEqual((await emitWithAck(c, 'nodes'))[0], ['a'], 'now on node B');
    assert.equal(c.recovered, true, 'recovered');
    assert.equal(c.id, id, 'same id');
    await until(c, 'n', () => got.length >= 100, 'the 100 events');
    await emitWithAck(c, 'rooms');
    assert.deepEqual(got, [...Array(100).keys()], 'all 100, once, in order');
  });

  it('Node peers get our broadcasts without offsets', async () => {
    // Started here: it answers no "whoami", which "nodes" above would wait out.
    peer = await spawnUntil('node peer', process.execPath, [path.join(__dirname, 'lib', 'node-peer.js'), '--redis-url', redis.url], /^listening (\d+)\s*$/m);
    const onPeer = client(`http://127.0.0.1:${peer.match[1]}`);
    await once(onPeer, 'connect');
    await emitWithAck(onPeer, 'join', 'room-n');
    const got = [];
    onPeer.on('n', (...args) => got.push(args));
    const onGo = client(a.url);
    await once(onGo, 'connect');
    await emitWithAck(onGo, 'join', 'room-n');
    const goGot = [];
    onGo.on('n', (...args) => goGot.push(args));
    await emitWithAck(onGo, 'emit-many', ['room-n'], 'n', 5);
    await until(onPeer, 'n', () => got.length >= 5, 'the 5 events on the Node peer');
    await until(onGo, 'n', () => goGot.length >= 5, 'the 5 events on rpsio');
    assert.deepEqual(got, [[0], [1], [2], [3], [4]], 'the data Node peers see: no offset');
    for (const [i, args] of goGot.entries()) {
      assert.equal(args.length, 2, 'rpsio clients get the offset');
      assert.equal(args[0], i);
      assert.match(args[1], /^[A-Za-z0-9]+-[0-9a-z]+-[0-9a-z]+$/);
    }
  });
});
