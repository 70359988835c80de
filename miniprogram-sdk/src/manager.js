'use strict';
// The Manager owns the one websocket (SocketTask) that all namespaces of a
// server share, and everything about keeping it alive: connect timeout,
// reconnection with backoff, app hide/show and network status events.
//
// Events: 'open', 'close' (reason, details), 'error' (err), 'ping', 'packet',
// 'reconnect_attempt' (attempt), 'reconnect' (attempt), 'reconnect_error' (err),
// 'reconnect_failed'.
const Emitter = require('./emitter');
const Engine = require('./engine');
const Backoff = require('./backoff');
const clock = require('./clock');
const parser = require('./parser');
const transports = require('./transports');
const Socket = require('./socket');

function encodeQuery(query) {
  if (!query) return '';
  if (typeof query === 'string') return query.replace(/^[?&]/, '');
  const parts = [];
  for (const key in query) {
    if (Object.prototype.hasOwnProperty.call(query, key) && query[key] != null) {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(query[key]));
    }
  }
  return parts.join('&');
}

function option(value, def) {
  return value === undefined || value === null ? def : value;
}

class Manager extends Emitter {
  // uri: "ws://host:port" or "wss://host" (no path); see io() for URL parsing.
  constructor(uri, opts) {
    super();
    opts = opts || {};
    this.uri = uri;
    this.opts = opts;
    this.nsps = {};
    this._active = [];
    this.engine = null;
    this._readyState = 'closed';
    this.skipReconnect = false;
    this._reconnecting = false;
    this._reconnectTimer = null;
    this._openTimer = null;
    this._session = 0;
    this._gaveUp = false;
    this._offline = false;
    this._netSeen = false;
    this._hiddenAt = 0;
    this._immediate = false;
    this._platformOn = false;
    this.decoder = new parser.Decoder();
    this.backoff = new Backoff({
      min: option(opts.reconnectionDelay, 1000),
      max: option(opts.reconnectionDelayMax, 5000),
      jitter: option(opts.randomizationFactor, 0.5),
    });
    this._reconnection = opts.reconnection !== false;
    this._reconnectionAttempts = option(opts.reconnectionAttempts, Infinity);
    this._timeout = option(opts.timeout, 20000);
    this._autoConnect = opts.autoConnect !== false;
    this._platform = transports.resolvePlatform(opts);
    this._createTransport = transports.resolveTransport(opts, this._platform);
    const path = (opts.path || '/socket.io').replace(/\/+$/, '') + '/';
    const extra = encodeQuery(opts.query);
    this._url = uri + path + '?EIO=4&transport=websocket' + (extra ? '&' + extra : '');
    if (this._autoConnect) this.open();
  }

  // socket.io-client compatible getters/setters.
  reconnection(v) {
    if (v === undefined) return this._reconnection;
    this._reconnection = !!v;
    if (!v) this.skipReconnect = true;
    return this;
  }
  reconnectionAttempts(v) {
    if (v === undefined) return this._reconnectionAttempts;
    this._reconnectionAttempts = v;
    return this;
  }
  reconnectionDelay(v) {
    if (v === undefined) return this.backoff.min;
    this.backoff.min = v;
    return this;
  }
  reconnectionDelayMax(v) {
    if (v === undefined) return this.backoff.max;
    this.backoff.max = v;
    return this;
  }
  randomizationFactor(v) {
    if (v === undefined) return this.backoff.jitter;
    this.backoff.jitter = v;
    return this;
  }
  timeout(v) {
    if (v === undefined) return this._timeout;
    this._timeout = v;
    return this;
  }

  // The socket of namespace `nsp` on this connection (created on first use).
  socket(nsp, opts) {
    nsp = nsp || '/';
    if (nsp.charAt(0) !== '/') nsp = '/' + nsp;
    let socket = this.nsps[nsp];
    if (!socket) {
      socket = new Socket(this, nsp, Object.assign({}, this.opts, opts || {}));
      this.nsps[nsp] = socket;
    } else if (this._autoConnect && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  open(fn) {
    if (this._readyState === 'open' || this._readyState === 'opening') return this;
    this.skipReconnect = !this._reconnection;
    this._gaveUp = false;
    this._installPlatform();
    this._session++;
    const engine = new Engine(this._url, this._createTransport, {
      headers: this.opts.extraHeaders,
      protocols: this.opts.protocols,
    });
    this.engine = engine;
    this._readyState = 'opening';
    this.decoder.reset();
    const done = typeof fn === 'function' ? fn : null;
    engine.on('open', () => {
      if (engine !== this.engine) return;
      clearTimeout(this._openTimer);
      this._readyState = 'open';
      this.emitReserved('open');
      const sockets = this._active.slice();
      for (let i = 0; i < sockets.length; i++) {
        if (engine === this.engine) sockets[i]._onOpen();
      }
      if (done && engine === this.engine) done(null);
    });
    engine.on('data', (data) => {
      if (engine === this.engine) this._onData(data);
    });
    engine.on('ping', () => {
      if (engine === this.engine) this.emitReserved('ping');
    });
    engine.on('close', (reason, details) => {
      if (engine !== this.engine) return;
      clearTimeout(this._openTimer);
      this.engine = null;
      if (this._readyState === 'opening') {
        this._readyState = 'closed';
        const err = details.error || new Error(details.description || reason);
        this._openFailed(err, done);
      } else {
        this._onClose(reason, details);
      }
    });
    if (this._timeout > 0 && this._timeout !== Infinity) {
      this._openTimer = setTimeout(() => {
        if (engine !== this.engine || this._readyState !== 'opening') return;
        const err = new Error('timeout');
        err.type = 'TimeoutError';
        engine.fail('transport error', { description: 'connect timeout', error: err });
      }, this._timeout);
    }
    engine.open();
    return this;
  }

  connect(fn) {
    return this.open(fn);
  }

  _openFailed(err, done) {
    this.emitReserved('error', err);
    if (err.type === 'ProtocolError') {
      this._protocolMismatch(err);
      return;
    }
    const sockets = this._active.slice();
    for (let i = 0; i < sockets.length; i++) sockets[i]._onError(err);
    if (done) done(err);
    else if (this._reconnection && !this.skipReconnect && this._active.length) this.reconnect();
  }

  _onClose(reason, details) {
    this._readyState = 'closed';
    this.decoder.reset();
    this.backoff.reset();
    const immediate = this._immediate;
    this._immediate = false;
    this.emitReserved('close', reason, details);
    const sockets = this._active.slice();
    for (let i = 0; i < sockets.length; i++) sockets[i]._onClose(reason, details);
    if (this._reconnection && !this.skipReconnect && this._active.length && this._readyState === 'closed') {
      this.reconnect(immediate);
    }
  }

  _onData(data) {
    let packet;
    try {
      packet = this.decoder.add(data);
    } catch (err) {
      this.engine.fail('parse error', { description: err.message });
      return;
    }
    if (!packet) return;
    this.emitReserved('packet', packet);
    const socket = this.nsps[packet.nsp];
    if (socket && socket._active) socket._onPacket(packet);
  }

  _packet(packet) {
    if (!this.engine || this._readyState !== 'open') return false;
    return this.engine.send(parser.encode(packet));
  }

  // Schedules one reconnection attempt (never two at once).
  reconnect(immediate) {
    if (this._reconnecting || this.skipReconnect) return this;
    if (this._offline) return this; // resumed by the network status listener
    if (this.backoff.attempts >= this._reconnectionAttempts) {
      this.backoff.reset();
      this._gaveUp = true;
      this.emitReserved('reconnect_failed');
      return this;
    }
    let delay = this.backoff.duration();
    if (immediate) delay = 0;
    this._reconnecting = true;
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = null;
      if (this.skipReconnect) return;
      this.emitReserved('reconnect_attempt', this.backoff.attempts);
      if (this.skipReconnect || !this._reconnecting) return; // a listener disconnected
      this.open((err) => {
        this._reconnecting = false;
        if (err) {
          this.emitReserved('reconnect_error', err);
          this.reconnect();
        } else {
          const attempt = this.backoff.attempts;
          this.backoff.reset();
          this.emitReserved('reconnect', attempt);
        }
      });
    }, delay);
    return this;
  }

  _attach(socket) {
    if (this._active.indexOf(socket) === -1) this._active.push(socket);
  }

  _destroy(socket) {
    const i = this._active.indexOf(socket);
    if (i !== -1) this._active.splice(i, 1);
    if (this._active.length === 0) this._close();
  }

  // Closes the connection and stops every reconnection.
  _close() {
    const wasOpen = this._readyState !== 'closed';
    this.skipReconnect = true;
    this._reconnecting = false;
    clearTimeout(this._reconnectTimer);
    clearTimeout(this._openTimer);
    this._reconnectTimer = null;
    this._removePlatform();
    const engine = this.engine;
    this.engine = null;
    this._readyState = 'closed';
    this.backoff.reset();
    this.decoder.reset();
    if (engine) engine.close('closed by the client');
    if (wasOpen) this.emitReserved('close', 'forced close', { description: 'closed by the client' });
  }

  // Disconnects every socket of this manager and closes the connection.
  disconnect() {
    const sockets = this._active.slice();
    for (let i = 0; i < sockets.length; i++) sockets[i].disconnect();
    this._close();
    return this;
  }

  close() {
    return this.disconnect();
  }

  _protocolMismatch(err) {
    if (typeof err === 'string') err = Engine.protocolError(err);
    const sockets = this._active.slice();
    this._active = [];
    this._close();
    for (let i = 0; i < sockets.length; i++) sockets[i]._onFatal(err);
  }

  // ---- platform events (wx.onAppShow/onAppHide, wx.onNetworkStatusChange)

  _installPlatform() {
    const p = this._platform;
    if (this._platformOn || !p || this.opts.platformEvents === false) return;
    this._platformOn = true;
    if (!this._onShowFn) {
      this._onShowFn = () => this._onShow();
      this._onHideFn = () => this._onHide();
      this._onNetFn = (res) => this._onNetwork(res);
    }
    const on = (name, fn) => {
      if (typeof p[name] !== 'function') return false;
      try {
        p[name](fn);
        return true;
      } catch (e) {
        return false;
      }
    };
    // Mini-programs have onAppShow/onAppHide, mini-games onShow/onHide.
    this._showApi = on('onAppShow', this._onShowFn) ? 'AppShow' : on('onShow', this._onShowFn) ? 'Show' : null;
    this._hideApi = on('onAppHide', this._onHideFn) ? 'AppHide' : on('onHide', this._onHideFn) ? 'Hide' : null;
    this._netApi = on('onNetworkStatusChange', this._onNetFn);
    if (typeof p.getNetworkType === 'function' && !this._netSeen) {
      try {
        p.getNetworkType({
          success: (res) => {
            if (!this._netSeen && this._platformOn && res && res.networkType === 'none') {
              this._onNetwork({ isConnected: false, networkType: 'none' });
            }
          },
        });
      } catch (e) {
        // ignore
      }
    }
  }

  _removePlatform() {
    const p = this._platform;
    if (!this._platformOn) return;
    this._platformOn = false;
    const off = (name, fn) => {
      if (typeof p[name] === 'function') {
        try {
          p[name](fn);
        } catch (e) {
          // ignore
        }
      }
    };
    if (this._showApi) off('off' + this._showApi, this._onShowFn);
    if (this._hideApi) off('off' + this._hideApi, this._onHideFn);
    if (this._netApi) off('offNetworkStatusChange', this._onNetFn);
    this._offline = false;
    this._netSeen = false;
    this._hiddenAt = 0;
  }

  _onHide() {
    if (!this._platformOn) return;
    this._hiddenAt = clock.now();
    this.emitReserved('app_hide');
  }

  _onShow() {
    if (!this._platformOn) return;
    const hiddenFor = this._hiddenAt ? clock.now() - this._hiddenAt : 0;
    this._hiddenAt = 0;
    this.emitReserved('app_show', hiddenFor);
    this._kick('app show');
  }

  _onNetwork(res) {
    if (!this._platformOn) return;
    this._netSeen = true;
    if (res && res.isConnected === false) {
      this._offline = true;
      if (this._reconnecting && this._reconnectTimer) {
        // Stop trying while offline; resumed as soon as the network is back.
        clearTimeout(this._reconnectTimer);
        this._reconnectTimer = null;
        this._reconnecting = false;
      }
      this.emitReserved('offline');
      return;
    }
    const wasOffline = this._offline;
    this._offline = false;
    if (wasOffline) this.emitReserved('online');
    this._kick(wasOffline ? 'network back' : 'network change');
  }

  // Something happened that makes the connection suspicious or worth
  // retrying right now: check it, or reconnect without waiting for the backoff.
  _kick(why) {
    if (this.skipReconnect || this._active.length === 0) return;
    if (this._readyState === 'open') {
      this._immediate = true;
      this.engine.checkAlive('connection stale after ' + why);
      this._immediate = false;
      return;
    }
    if (this._readyState === 'opening') return; // an attempt is under way
    if (this._gaveUp || !this._reconnection || this._offline) return;
    if (this._reconnecting) {
      if (!this._reconnectTimer) return; // attempt under way
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      this._reconnecting = false;
    }
    this.backoff.reset();
    this.reconnect(true);
  }
}

module.exports = Manager;
