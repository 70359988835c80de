'use strict';
// Parser and backoff unit tests, and client behaviour against small fake
// servers built on `ws` (wrong protocol version, a server that never
// answers the handshake).
const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const io = require('../src');
const parser = require('../src/parser');
const Backoff = require('../src/backoff');
const { createFakeWx } = require('./helpers/fake-wx');
const { once, until, record } = require('./helpers/wait');

function quiet(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

describe('parser', () => {
  it('encodes packets like socket.io-parser', () => {
    assert.deepEqual(parser.encode({ type: parser.CONNECT, nsp: '/' }), ['40']);
    assert.deepEqual(parser.encode({ type: parser.CONNECT, nsp: '/admin', data: { token: 't' } }), ['40/admin,{"token":"t"}']);
    assert.deepEqual(parser.encode({ type: parser.DISCONNECT, nsp: '/admin' }), ['41/admin,']);
    assert.deepEqual(parser.encode({ type: parser.EVENT, nsp: '/', data: ['hi', 1] }), ['42["hi",1]']);
    assert.deepEqual(parser.encode({ type: parser.EVENT, nsp: '/', id: 12, data: ['hi'] }), ['4212["hi"]']);
    assert.deepEqual(parser.encode({ type: parser.ACK, nsp: '/x', id: 3, data: [] }), ['43/x,3[]']);
    const frames = parser.encode({ type: parser.EVENT, nsp: '/', id: 1, data: ['b', { a: new Uint8Array([1, 2]) }, new ArrayBuffer(3)] });
    assert.equal(frames[0], '452-1["b",{"a":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]');
    assert.equal(frames.length, 3);
    assert.deepEqual(Array.from(new Uint8Array(frames[1])), [1, 2]);
    assert.equal(frames[2].byteLength, 3);
    const ack = parser.encode({ type: parser.ACK, nsp: '/', id: 4, data: [Buffer.from([5])] });
    assert.equal(ack[0], '461-4[{"_placeholder":true,"num":0}]');
  });

  it('decodes packets, namespaces, ids and binary attachments', () => {
    const d = new parser.Decoder();
    assert.deepEqual(d.add('0{"sid":"abc"}'), { type: 0, nsp: '/', data: { sid: 'abc' } });
    assert.deepEqual(d.add('0/admin,{"sid":"abc"}'), { type: 0, nsp: '/admin', data: { sid: 'abc' } });
    assert.deepEqual(d.add('1/admin,'), { type: 1, nsp: '/admin', data: undefined });
    assert.deepEqual(d.add('1/admin'), { type: 1, nsp: '/admin', data: undefined });
    assert.deepEqual(d.add('2["a",{"b":1}]'), { type: 2, nsp: '/', data: ['a', { b: 1 }] });
    assert.deepEqual(d.add('2/x,15["a"]'), { type: 2, nsp: '/x', id: 15, data: ['a'] });
    assert.deepEqual(d.add('3/x,15[]'), { type: 3, nsp: '/x', id: 15, data: [] });
    assert.deepEqual(d.add('4{"message":"no","data":{"r":1}}'), { type: 4, nsp: '/', data: { message: 'no', data: { r: 1 } } });
    assert.equal(d.add('52-/x,7["e",{"_placeholder":true,"num":1},{"k":{"_placeholder":true,"num":0}}]'), null);
    assert.equal(d.add(new Uint8Array([1]).buffer), null);
    const p = d.add(new Uint8Array([2, 2]).buffer);
    assert.equal(p.type, parser.EVENT);
    assert.equal(p.id, 7);
    assert.equal(p.nsp, '/x');
    assert.deepEqual(Array.from(new Uint8Array(p.data[1])), [2, 2]);
    assert.deepEqual(Array.from(new Uint8Array(p.data[2].k)), [1]);
  });

  it('rejects malformed packets', () => {
    const bad = ['', '9', '2', '2{"a":1}', '2[]', '2["a"', '0[1]', '1{}', '5-["a"]', '5x-["a"]', '3{"a":1}'];
    for (const s of bad) assert.throws(() => new parser.Decoder().add(s), Error, JSON.stringify(s));
    assert.throws(() => new parser.Decoder().add(new ArrayBuffer(1)), /binary/);
    const d = new parser.Decoder();
    d.add('51-["a",{"_placeholder":true,"num":0}]');
    assert.throws(() => d.add('2["b"]'), /waiting for binary/);
    const d2 = new parser.Decoder();
    d2.add('51-["a",{"_placeholder":true,"num":5}]');
    assert.throws(() => d2.add(new ArrayBuffer(1)), /placeholder/);
  });
});

describe('backoff', () => {
  it('doubles from min to max, with jitter of ±factor', () => {
    const b = new Backoff({ min: 1000, max: 5000, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => b.duration()), [1000, 2000, 4000, 5000, 5000]);
    b.reset();
    assert.equal(b.duration(), 1000);
    const j = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
    for (let i = 0; i < 200; i++) {
      j.reset();
      const d = j.duration();
      assert.ok(d >= 500 && d <= 1500, String(d));
    }
    const up = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => 0.15 });
    assert.equal(up.duration(), 1075); // floor(0.15*10)=1: odd → up
    const down = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => 0.25 });
    assert.equal(down.duration(), 875); // floor(0.25*10)=2: even → down
    const big = new Backoff({ min: 1000, max: 5000 });
    big.attempts = 2000;
    assert.ok(big.duration() <= 5000);
  });

  it('has socket.io-client defaults (1 s, max 5 s, randomization 0.5)', () => {
    const wx = createFakeWx();
    const s = io('http://127.0.0.1:1', { wx, autoConnect: false, forceNew: true });
    assert.equal(s.io.reconnectionDelay(), 1000);
    assert.equal(s.io.reconnectionDelayMax(), 5000);
    assert.equal(s.io.randomizationFactor(), 0.5);
    assert.equal(s.io.reconnectionAttempts(), Infinity);
    assert.equal(s.io.reconnection(), true);
    assert.equal(s.io.timeout(), 20000);
  });
});

describe('io() and urls', () => {
  it('maps http(s) to ws(s), keeps the port, takes the namespace from the path', () => {
    assert.deepEqual(io.parseUrl('http://127.0.0.1:3000'), { origin: 'ws://127.0.0.1:3000', nsp: '/', query: '' });
    assert.deepEqual(io.parseUrl('https://game.example.com/rps?v=2'), { origin: 'wss://game.example.com', nsp: '/rps', query: 'v=2' });
    assert.deepEqual(io.parseUrl('wss://a.b:8443/x/'), { origin: 'wss://a.b:8443', nsp: '/x', query: '' });
    assert.throws(() => io.parseUrl('ftp://x'), /unsupported/);
    assert.throws(() => io(), /url/);
  });

  it('builds the Engine.IO url with path and query', async () => {
    const wx = createFakeWx();
    const s = io('http://127.0.0.1:9/chat?a=1', { wx, forceNew: true, path: '/custom-path/', query: { b: 'x y' }, reconnection: false });
    await once(s, 'connect_error');
    assert.equal(wx.tasks[0].url, 'ws://127.0.0.1:9/custom-path/?EIO=4&transport=websocket&b=x%20y');
    const s2 = io('https://127.0.0.1:9/chat?a=1', { wx, forceNew: true, reconnection: false });
    await once(s2, 'connect_error');
    assert.equal(wx.tasks[1].url, 'wss://127.0.0.1:9/socket.io/?EIO=4&transport=websocket&a=1');
  });

  it('new WxSocketIO(url, opts) is io(url, opts)', () => {
    const wx = createFakeWx();
    const s = new io.WxSocketIO('http://127.0.0.1:9', { wx, autoConnect: false, forceNew: true });
    assert.ok(s instanceof io.Socket);
    assert.ok(s instanceof io.WxSocketIO);
    assert.equal(typeof s.emit, 'function');
    assert.equal(s.connected, false);
    assert.equal(io.io, io);
  });
});

// A tiny server on `ws` whose behaviour the test decides.
function fakeServer(onConnection) {
  return new Promise((resolve) => {
    const wss = new WebSocket.Server({ host: '127.0.0.1', port: 0 }, () => {
      resolve({ wss, url: 'http://127.0.0.1:' + wss.address().port });
    });
    wss.on('connection', onConnection);
  });
}

describe('against misbehaving servers', () => {
  const servers = [];
  after(() => {
    for (const s of servers) {
      for (const c of s.wss.clients) c.terminate();
      s.wss.close();
    }
  });

  it('a socket.io 2.x (Engine.IO 3) server gives a clear connect_error, and no retry loop', async () => {
    let connections = 0;
    const srv = await fakeServer((ws) => {
      connections++;
      ws.send('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":5000}');
      ws.send('40');
    });
    servers.push(srv);
    const wx = createFakeWx();
    const s = io(srv.url, { wx, forceNew: true, reconnectionDelay: 10 });
    const [err] = await once(s, 'connect_error');
    assert.match(err.message, /protocol mismatch/);
    assert.match(err.message, /socket\.io 2\.x/);
    assert.equal(err.type, 'ProtocolError');
    assert.equal(s.active, false);
    await until(() => wx.live.size === 0, 3000, 'task closed');
    await quiet(100);
    assert.equal(connections, 1);
  });

  it('a server that does not speak Engine.IO at all gives a clear connect_error', async () => {
    const srv = await fakeServer((ws) => ws.send('hello, this is not socket.io'));
    servers.push(srv);
    const wx = createFakeWx();
    const s = io(srv.url, { wx, forceNew: true });
    const [err] = await once(s, 'connect_error');
    assert.match(err.message, /protocol mismatch: expected an Engine.IO open packet/);
  });

  it('connect timeout, and never two connection attempts at once', async () => {
    // accepts the websocket but never sends the Engine.IO handshake
    const srv = await fakeServer(() => {});
    servers.push(srv);
    const wx = createFakeWx();
    // tasks the client has not given up on (closed tasks may take a moment to go)
    let maxLive = 0;
    wx.events.on('task', () => {
      const wanted = wx.liveTasks().filter((t) => !t.closeCalls);
      maxLive = Math.max(maxLive, wanted.length);
    });
    const s = io(srv.url, { wx, forceNew: true, timeout: 200, reconnectionDelay: 50, reconnectionDelayMax: 50 });
    const errors = record(s, 'connect_error');
    // hammer the "reconnect now" triggers while attempts are under way
    const hammer = setInterval(() => {
      wx.show();
      wx.setNetwork(true);
    }, 5);
    await until(() => errors.length >= 3, 5000, '3 connect errors');
    clearInterval(hammer);
    assert.equal(errors[0][0].message, 'timeout');
    assert.equal(maxLive, 1, 'at most one SocketTask at a time');
    s.disconnect();
    await until(() => wx.live.size === 0, 3000, 'closed');
  });

  it('a server that sends garbage after the handshake: "parse error" then reconnect', async () => {
    let n = 0;
    const srv = await fakeServer((ws) => {
      n++;
      ws.send('0{"sid":"s' + n + '","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}');
      ws.on('message', (m) => {
        if (String(m) === '40') {
          ws.send('40{"sid":"n' + n + '"}');
          if (n === 1) ws.send('42not json');
        }
      });
    });
    servers.push(srv);
    const wx = createFakeWx();
    const s = io(srv.url, { wx, forceNew: true, reconnectionDelay: 10 });
    const disconnected = once(s, 'disconnect');
    await once(s, 'connect');
    const [reason] = await disconnected;
    assert.equal(reason, 'parse error');
    await once(s, 'connect');
    assert.equal(s.id, 'n2');
    s.disconnect();
  });

  it('an Engine.IO close packet from the server is a "transport close"', async () => {
    const srv = await fakeServer((ws) => {
      ws.send('0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}');
      ws.on('message', (m) => {
        if (String(m) === '40') {
          ws.send('40{"sid":"x"}');
          setImmediate(() => ws.send('1'));
        }
      });
    });
    servers.push(srv);
    const wx = createFakeWx();
    const s = io(srv.url, { wx, forceNew: true, reconnection: false });
    const disconnected = once(s, 'disconnect');
    await once(s, 'connect');
    const [reason] = await disconnected;
    assert.equal(reason, 'transport close');
    s.disconnect();
  });

  it('exceptions thrown by app listeners do not break the client', async () => {
    const srv = await fakeServer((ws) => {
      ws.send('0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}');
      ws.on('message', (m) => {
        m = String(m);
        if (m === '40') ws.send('40{"sid":"x"}');
        else if (m.startsWith('42')) ws.send(m);
      });
    });
    servers.push(srv);
    const wx = createFakeWx();
    const s = io(srv.url, { wx, forceNew: true, reconnection: false });
    const thrown = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const catcher = (e) => thrown.push(e);
    process.on('uncaughtException', catcher);
    try {
      s.on('connect', () => {
        throw new Error('app bug');
      });
      s.emit('echo', 1);
      const [v] = await once(s, 'echo');
      assert.equal(v, 1);
      await until(() => thrown.length === 1, 2000, 'error reported');
      assert.equal(thrown[0].message, 'app bug');
    } finally {
      process.removeListener('uncaughtException', catcher);
      for (const l of listeners) process.on('uncaughtException', l);
      s.disconnect();
    }
  });
});
