'use strict';
// The real npm clients, installed side by side under aliases, and the transport modes.
const assert = require('node:assert/strict');
const { once, DEFAULT_TIMEOUT_MS } = require('./wait');

const CLIENTS = {
  v2: { version: 2, label: 'socket.io-client 2.x', io: require('sio2'), pkg: require('sio2/package.json') },
  v3: { version: 3, label: 'socket.io-client 3.x', io: require('sio3'), pkg: require('sio3/package.json') },
  v4: { version: 4, label: 'socket.io-client 4.x', io: require('sio4'), pkg: require('sio4/package.json') },
};

// websocket: WebSocket only; polling: HTTP long-polling only (never upgrades);
// polling+upgrade: starts on polling, then upgrades to WebSocket.
const TRANSPORTS = {
  websocket: { transports: ['websocket'], upgrade: false },
  polling: { transports: ['polling'], upgrade: false },
  'polling+upgrade': { transports: ['polling', 'websocket'], upgrade: true },
};

// Builds a client socket. `auth` is sent the way each client version can send it: the `auth`
// option for 3.x/4.x, the query string for 2.x (which has no auth option). Every socket gets
// its own Manager/connection (forceNew) unless `manager` is given; reconnection is off unless
// asked for, so a failing test cannot leave a client reconnecting in the background.
function makeSocket(client, baseUrl, nsp, mode, { auth, manager, opts = {} } = {}) {
  const t = TRANSPORTS[mode];
  const common = {
    transports: t.transports,
    upgrade: t.upgrade,
    reconnection: false,
    timeout: DEFAULT_TIMEOUT_MS,
    ...opts,
  };
  if (manager) {
    return client.version === 2
      ? manager.socket(nsp, auth ? { query: auth } : {})
      : manager.socket(nsp, auth ? { auth } : {});
  }
  if (client.version === 2) {
    return client.io(baseUrl + nsp, { ...common, forceNew: true, ...(auth ? { query: auth } : {}) });
  }
  return client.io(baseUrl + nsp, { ...common, forceNew: true, ...(auth ? { auth } : {}) });
}

function makeManager(client, baseUrl, mode, opts = {}) {
  const t = TRANSPORTS[mode];
  return new client.io.Manager(baseUrl, {
    transports: t.transports,
    upgrade: t.upgrade,
    reconnection: false,
    timeout: DEFAULT_TIMEOUT_MS,
    ...opts,
  });
}

// The event a refused namespace connection shows up as: "connect_error" (an Error with
// .message and .data) for 3.x/4.x, "error" (the packet's data) for 2.x.
function refusalEvent(client) {
  return client.version === 2 ? 'error' : 'connect_error';
}

const engineOf = (socket) => socket.io.engine;

// Waits until the socket is connected and, in polling+upgrade mode, until the Engine.IO
// connection has upgraded to WebSocket. Checks the transport each mode must end up on.
async function connected(socket, mode, what = 'connect') {
  if (!socket.connected) {
    await once(socket, 'connect', { failOn: ['connect_error', 'error', 'disconnect'], what });
  }
  const engine = engineOf(socket);
  if (mode === 'polling+upgrade') {
    if (engine.transport.name !== 'websocket') {
      await once(engine, 'upgrade', { failOn: ['upgradeError', 'close'], what: `${what}: upgrade to websocket` });
    }
    assert.equal(engine.transport.name, 'websocket', 'transport after upgrade');
  } else {
    assert.equal(engine.transport.name, TRANSPORTS[mode].transports[0], 'transport in use');
  }
  return socket;
}

// Records the transport a socket starts on (call right after creating it).
function initialTransport(socket) {
  return engineOf(socket).transport.name;
}

function closeAll(sockets) {
  for (const s of sockets) {
    try {
      s.close();
      if (s.io) s.io.disconnect(); // Manager: closes the Engine.IO connection (all versions)
    } catch { /* already closed */ }
  }
}

module.exports = { CLIENTS, TRANSPORTS, makeSocket, makeManager, refusalEvent, connected, initialTransport, closeAll };
