'use strict';
// One namespace on a Manager's connection; the object io() returns.
const Emitter = require('./emitter');
const parser = require('./parser');

const RESERVED = {
  connect: 1,
  connect_error: 1,
  disconnect: 1,
  disconnecting: 1,
  newListener: 1,
  removeListener: 1,
  dropped: 1,
};

function callSafely(fn, self, args) {
  try {
    fn.apply(self, args);
  } catch (err) {
    Emitter.report(err);
  }
}

class Socket extends Emitter {
  constructor(io, nsp, opts) {
    super();
    opts = opts || {};
    this.io = io;
    this.nsp = nsp;
    this.auth = opts.auth;
    this.id = undefined;
    this.connected = false;
    // Connection state recovery (socket.io 4.6+): the private session id
    // the server gave, the offset of the last event received, and whether
    // the last connection restored the session.
    this.recovered = false;
    this._pid = undefined;
    this._lastOffset = undefined;
    this.receiveBuffer = [];
    this.ids = 0;
    this.acks = {};
    this.sendBuffer = [];
    this.flags = {};
    this._opts = opts;
    this._ackTimeout = opts.ackTimeout;
    this._maxQueue = opts.maxQueueSize === undefined || opts.maxQueueSize === null ? 100 : opts.maxQueueSize;
    this._active = false;
    this._connectSent = false;
    this._any = [];
    this._anyOut = [];
    if (io._autoConnect) this.open();
  }

  get disconnected() {
    return !this.connected;
  }

  // True while the socket wants to be connected (it will reconnect).
  get active() {
    return this._active;
  }

  // Next emit is dropped instead of queued when not connected.
  get volatile() {
    this.flags.volatile = true;
    return this;
  }

  // Next emit's ack becomes error-first and fails after `ms`.
  timeout(ms) {
    this.flags.timeout = ms;
    return this;
  }

  compress() {
    return this;
  }

  connect() {
    if (this.connected) return this;
    if (!this._active) {
      this._active = true;
      this.io._attach(this);
    }
    if (this.io._readyState === 'open') this._onOpen();
    else if (!this.io._reconnecting) this.io.open();
    return this;
  }

  open() {
    return this.connect();
  }

  send() {
    const args = Array.prototype.slice.call(arguments);
    args.unshift('message');
    return this._emit(args, false);
  }

  emit(event) {
    if (Object.prototype.hasOwnProperty.call(RESERVED, event)) {
      throw new Error('"' + event + '" is a reserved event name');
    }
    return this._emit(Array.prototype.slice.call(arguments), false);
  }

  // Like emit() with an ack, as a Promise. Rejects on timeout (with
  // .timeout(ms) or the ackTimeout option), when the socket disconnects
  // after sending, or when the emit is dropped from the offline queue.
  emitWithAck(event) {
    const args = Array.prototype.slice.call(arguments);
    return new Promise((resolve, reject) => {
      if (Object.prototype.hasOwnProperty.call(RESERVED, event)) {
        reject(new Error('"' + event + '" is a reserved event name'));
        return;
      }
      args.push((err, value) => (err ? reject(err) : resolve(value)));
      this._emit(args, true);
    });
  }

  _emit(args, withError) {
    const flags = this.flags;
    this.flags = {};
    const packet = { type: parser.EVENT, nsp: this.nsp, data: args };
    if (typeof args[args.length - 1] === 'function') {
      const fn = args.pop();
      const timeout = flags.timeout !== undefined ? flags.timeout : this._ackTimeout;
      this._registerAck(packet, fn, timeout, withError || timeout !== undefined);
    }
    const canSend = this.connected && this.io._readyState === 'open';
    if (flags.volatile && !canSend) {
      this._discard(packet, 'volatile emit while disconnected', false);
    } else if (canSend) {
      this._send(packet);
    } else {
      this._enqueue(packet);
    }
    return this;
  }

  _registerAck(packet, fn, timeout, withError) {
    const id = this.ids++;
    packet.id = id;
    const entry = { fn, withError, timer: null, queued: false, packet };
    if (timeout !== undefined && timeout !== null && timeout !== Infinity) {
      entry.timer = setTimeout(() => {
        if (this.acks[id] !== entry) return;
        delete this.acks[id];
        if (entry.queued) {
          const i = this.sendBuffer.indexOf(packet);
          if (i !== -1) this.sendBuffer.splice(i, 1);
        }
        const err = new Error('operation has timed out');
        err.type = 'TimeoutError';
        callSafely(fn, this, [err]);
      }, timeout);
    }
    this.acks[id] = entry;
  }

  _send(packet) {
    if (packet.id !== undefined) {
      const entry = this.acks[packet.id];
      if (entry) entry.queued = false;
    }
    if (packet.type === parser.EVENT && this._anyOut.length) {
      const out = this._anyOut.slice();
      for (let i = 0; i < out.length; i++) callSafely(out[i], this, packet.data);
    }
    this.io._packet(packet);
  }

  _enqueue(packet) {
    if (this._maxQueue <= 0) {
      this._discard(packet, 'offline queue disabled', true);
      return;
    }
    while (this.sendBuffer.length >= this._maxQueue) {
      this._discard(this.sendBuffer.shift(), 'offline queue full', true);
    }
    if (packet.id !== undefined && this.acks[packet.id]) this.acks[packet.id].queued = true;
    this.sendBuffer.push(packet);
  }

  // Drops an emit that will never be sent; fails its error-first ack and
  // tells the app through the 'dropped' event.
  _discard(packet, reason, notify) {
    if (packet.id !== undefined) {
      const entry = this.acks[packet.id];
      if (entry) {
        delete this.acks[packet.id];
        clearTimeout(entry.timer);
        if (entry.withError) {
          const err = new Error('emit dropped: ' + reason);
          err.type = 'DroppedError';
          callSafely(entry.fn, this, [err]);
        }
      }
    }
    if (notify) {
      this.emitReserved('dropped', { event: packet.data[0], args: packet.data.slice(1), reason });
    }
  }

  disconnect() {
    const wasConnected = this.connected;
    if (wasConnected) this.io._packet({ type: parser.DISCONNECT, nsp: this.nsp });
    this._connectSent = false;
    if (this._active) {
      this._active = false;
      this.io._destroy(this);
    }
    if (wasConnected) this._onClose('io client disconnect', { description: 'socket.disconnect() was called' });
    return this;
  }

  close() {
    return this.disconnect();
  }

  // ---- catch-all listeners

  onAny(fn) {
    this._any.push(fn);
    return this;
  }
  prependAny(fn) {
    this._any.unshift(fn);
    return this;
  }
  offAny(fn) {
    if (!fn) this._any = [];
    else this._any = this._any.filter((f) => f !== fn);
    return this;
  }
  listenersAny() {
    return this._any.slice();
  }
  onAnyOutgoing(fn) {
    this._anyOut.push(fn);
    return this;
  }
  prependAnyOutgoing(fn) {
    this._anyOut.unshift(fn);
    return this;
  }
  offAnyOutgoing(fn) {
    if (!fn) this._anyOut = [];
    else this._anyOut = this._anyOut.filter((f) => f !== fn);
    return this;
  }
  listenersAnyOutgoing() {
    return this._anyOut.slice();
  }

  // ---- called by the Manager

  _onOpen() {
    if (this._connectSent || this.connected || !this._active) return;
    this._connectSent = true;
    const session = this.io._session;
    const send = (data) => {
      if (!this._active || !this._connectSent || this.io._session !== session) return;
      // Coming back: the session id and the last offset, so that a server
      // with recovery on restores the session (as socket.io-client 4.6+).
      if (this._pid) data = Object.assign({ pid: this._pid, offset: this._lastOffset }, data);
      this.io._packet({ type: parser.CONNECT, nsp: this.nsp, data: data === null ? undefined : data });
    };
    if (typeof this.auth === 'function') this.auth(send);
    else send(this.auth);
  }

  _onPacket(packet) {
    switch (packet.type) {
      case parser.CONNECT:
        if (packet.data && typeof packet.data.sid === 'string') this._onConnect(packet.data.sid, packet.data.pid);
        else {
          this.io._protocolMismatch(
            'the server answered CONNECT without a session id (Socket.IO protocol 4 or older, e.g. a socket.io 2.x server)'
          );
        }
        break;
      case parser.EVENT:
        this._onEvent(packet);
        break;
      case parser.ACK:
        this._onAck(packet);
        break;
      case parser.DISCONNECT:
        this._active = false;
        this._connectSent = false;
        this.io._destroy(this);
        this._onClose('io server disconnect', { description: 'the server disconnected the socket' });
        break;
      case parser.CONNECT_ERROR: {
        this._active = false;
        this._connectSent = false;
        this.receiveBuffer = [];
        this.io._destroy(this);
        const data = packet.data;
        const err = new Error(typeof data === 'string' ? data : (data && data.message) || 'connect error');
        if (data && typeof data === 'object' && 'data' in data) err.data = data.data;
        this.emitReserved('connect_error', err);
        break;
      }
    }
  }

  _onConnect(id, pid) {
    if (this.connected) return;
    this.id = id;
    this.recovered = Boolean(pid && this._pid === pid);
    this._pid = pid; // set only by a server with recovery on
    this.connected = true;
    this._connectSent = false;
    // Events that came before CONNECT (a recovery's missed events), then
    // the queued emits, then "connect", as socket.io-client does.
    const received = this.receiveBuffer;
    this.receiveBuffer = [];
    for (let i = 0; i < received.length; i++) this._emitEvent(received[i]);
    const queue = this.sendBuffer;
    this.sendBuffer = [];
    for (let i = 0; i < queue.length; i++) this._send(queue[i]);
    this.emitReserved('connect');
  }

  _onEvent(packet) {
    const args = packet.data.slice();
    if (packet.id !== undefined) args.push(this._ackFn(packet.id));
    if (this.connected) this._emitEvent(args);
    // Before the CONNECT answer (a recovering server sends the missed
    // events first): held until it comes. Otherwise dropped.
    else if (this._connectSent) this.receiveBuffer.push(args);
  }

  _emitEvent(args) {
    const any = this._any.slice();
    for (let i = 0; i < any.length; i++) callSafely(any[i], this, args);
    this.emitReserved.apply(this, args);
    // A server with recovery on ends each event it keeps with its offset.
    if (this._pid && args.length && typeof args[args.length - 1] === 'string') this._lastOffset = args[args.length - 1];
  }

  _ackFn(id) {
    let sent = false;
    const session = this.io._session;
    return function () {
      if (sent) return;
      sent = true;
      // An ack for a previous connection is meaningless to the server.
      if (!this.connected || this.io._session !== session) return;
      this._send({ type: parser.ACK, nsp: this.nsp, id, data: Array.prototype.slice.call(arguments) });
    }.bind(this);
  }

  _onAck(packet) {
    const entry = this.acks[packet.id];
    if (!entry) return;
    delete this.acks[packet.id];
    clearTimeout(entry.timer);
    callSafely(entry.fn, this, entry.withError ? [null].concat(packet.data) : packet.data);
  }

  _onError(err) {
    if (!this.connected) this.emitReserved('connect_error', err);
  }

  _onFatal(err) {
    this._active = false;
    this._connectSent = false;
    if (this.connected) this._onClose('parse error', { description: err.message });
    this.emitReserved('connect_error', err);
  }

  _onClose(reason, details) {
    this._connectSent = false;
    this.receiveBuffer = [];
    if (!this.connected) return;
    this.connected = false;
    this.id = undefined;
    // Acks of emits already sent will never come: fail the error-first ones
    // now; plain callbacks are forgotten. Queued emits keep their acks.
    for (const id in this.acks) {
      const entry = this.acks[id];
      if (entry.queued) continue;
      delete this.acks[id];
      clearTimeout(entry.timer);
      if (entry.withError) {
        const err = new Error('socket has been disconnected');
        err.type = 'DisconnectedError';
        callSafely(entry.fn, this, [err]);
      }
    }
    this.emitReserved('disconnect', reason, details || {});
  }
}

module.exports = Socket;
