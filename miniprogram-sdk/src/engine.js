'use strict';
// Engine.IO 4 client over a single websocket (no polling, no upgrade).
// Events: 'open' (handshake), 'data' (string | ArrayBuffer message),
// 'ping', 'close' (reason, details). 'close' fires exactly once; after a
// failed open, details.error is the Error to report as connect_error.
const Emitter = require('./emitter');
const clock = require('./clock');
const EIO = require('./parser').EIO;

function protocolError(message) {
  const err = new Error(
    'protocol mismatch: ' +
      message +
      ' (this client speaks Engine.IO 4 / Socket.IO 5, i.e. a socket.io 3.x/4.x compatible server)'
  );
  err.type = 'ProtocolError';
  return err;
}

class Engine extends Emitter {
  constructor(url, createTransport, transportOpts) {
    super();
    this.url = url;
    this.createTransport = createTransport;
    this.transportOpts = transportOpts || {};
    this.state = 'closed';
    this.id = null;
    this.pingInterval = 0;
    this.pingTimeout = 0;
    this.maxPayload = 0;
    this.lastPacketAt = 0;
    this.pingDeadline = 0;
    this._pingTimer = null;
    this._checkHeartbeat = this._checkHeartbeat.bind(this);
  }

  open() {
    this.state = 'opening';
    this.transport = this.createTransport(this.url, this.transportOpts, {
      onOpen: () => {}, // wait for the Engine.IO open packet
      onMessage: (data) => this._onMessage(data),
      onClose: (details) => this._onTransportClose(details),
    });
    return this;
  }

  // Sends websocket frames (strings or ArrayBuffers) in order.
  send(frames) {
    if (this.state !== 'open') return false;
    for (let i = 0; i < frames.length; i++) this.transport.send(frames[i]);
    return true;
  }

  // Closes the connection from our side. Emits 'close' with 'forced close'.
  close(description) {
    this._finish('forced close', { description: description || 'closed by the client' });
  }

  // Fails the connection (parse error, open timeout...).
  fail(reason, details) {
    this._finish(reason, details);
  }

  // Wall-clock liveness check, for when timers may have been frozen (the app
  // was in the background). Closes with 'ping timeout' and returns false if
  // the server has been silent for longer than pingInterval + pingTimeout.
  checkAlive(description) {
    if (this.state !== 'open') return false;
    if (clock.now() > this.pingDeadline) {
      this._finish('ping timeout', { description: description || 'no ping from the server' });
      return false;
    }
    clearTimeout(this._pingTimer);
    this._pingTimer = setTimeout(this._checkHeartbeat, Math.max(0, this.pingDeadline - clock.now()));
    return true;
  }

  _onMessage(data) {
    if (this.state === 'closed') return;
    this.lastPacketAt = clock.now();
    if (typeof data !== 'string') {
      if (this.state !== 'open') return this._protocolError('binary frame before the Engine.IO handshake');
      if (data == null) return;
      this._armHeartbeat();
      this.emitReserved('data', data);
      return;
    }
    const type = data.charAt(0);
    if (this.state === 'opening') {
      if (type !== EIO.OPEN) {
        return this._protocolError('expected an Engine.IO open packet, got ' + JSON.stringify(data.slice(0, 32)));
      }
      let hs = null;
      try {
        hs = JSON.parse(data.slice(1));
      } catch (e) {
        hs = null;
      }
      if (!hs || typeof hs.sid !== 'string' || !(hs.pingInterval > 0) || !(hs.pingTimeout > 0)) {
        return this._protocolError('invalid Engine.IO handshake ' + JSON.stringify(data.slice(0, 64)));
      }
      this.id = hs.sid;
      this.pingInterval = hs.pingInterval;
      this.pingTimeout = hs.pingTimeout;
      this.maxPayload = hs.maxPayload || 0;
      this.state = 'open';
      this._armHeartbeat();
      this.emitReserved('open', hs);
      return;
    }
    this._armHeartbeat();
    switch (type) {
      case EIO.PING:
        this.transport.send(EIO.PONG + data.slice(1));
        this.emitReserved('ping');
        break;
      case EIO.MESSAGE:
        this.emitReserved('data', data.slice(1));
        break;
      case EIO.CLOSE:
        this._finish('transport close', { description: 'the server sent an Engine.IO close packet' });
        break;
      case EIO.PONG:
      case EIO.NOOP:
      case EIO.OPEN:
        break;
      default:
        this._finish('parse error', { description: 'unknown Engine.IO packet type ' + JSON.stringify(type) });
    }
  }

  _armHeartbeat() {
    const span = this.pingInterval + this.pingTimeout;
    this.pingDeadline = clock.now() + span;
    if (!this._pingTimer) this._pingTimer = setTimeout(this._checkHeartbeat, span);
  }

  _checkHeartbeat() {
    this._pingTimer = null;
    if (this.state !== 'open') return;
    const left = this.pingDeadline - clock.now();
    if (left <= 0) {
      this._finish('ping timeout', {
        description: 'no ping from the server within pingInterval + pingTimeout (' + (this.pingInterval + this.pingTimeout) + ' ms)',
      });
    } else {
      this._pingTimer = setTimeout(this._checkHeartbeat, left);
    }
  }

  _protocolError(message) {
    const err = protocolError(message);
    this._finish('parse error', { description: err.message, error: err });
  }

  _onTransportClose(details) {
    if (this.state === 'closed') return;
    const reason = details.error ? 'transport error' : 'transport close';
    if (this.state === 'opening') {
      const err = new Error(details.error ? 'websocket error' : 'websocket closed before the Engine.IO handshake');
      err.type = 'TransportError';
      err.description = details.description;
      if (details.code !== undefined) err.code = details.code;
      details.error = err;
    } else if (details.error) {
      delete details.error;
    }
    this._finish(reason, details);
  }

  _finish(reason, details) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this._pingTimer);
    this._pingTimer = null;
    if (this.transport) this.transport.close(1000, reason === 'forced close' ? 'client closed' : reason);
    this.emitReserved('close', reason, details || {});
  }
}

Engine.protocolError = protocolError;
module.exports = Engine;
