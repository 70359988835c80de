'use strict';
// What the example's game clients (rps-client.js, gold-client.js) share: one
// socket on a game namespace of rpsio, its connection status for the pages,
// the player's identity (the token kept for reconnections), listeners, and
// requests with an acknowledgement. Plain JavaScript without any mini-program
// API; the SDK's io() is passed in, so it runs unchanged in the mini-program
// and in Node.
//
// opts: io and url (a socket of its own, with opts.wx and opts.ioOptions), or
// manager (a namespace on an existing connection, e.g. rpsClient.socket.io:
// a mini-program may only open 5 SocketTasks); name, token, onToken(token),
// requestTimeout (ms, 5000).

class RoomClient {
  constructor(opts, nsp) {
    this.opts = opts;
    this.listeners = {};
    this.status = 'connecting'; // connecting | connected | reconnecting | offline | refused | closed
    this.error = null;
    this.me = { playerId: null, name: opts.name || '', token: opts.token || '' };
    this.room = null; // last "room" payload

    const auth = {};
    if (opts.name) auth.name = opts.name;
    if (opts.token) auth.token = opts.token;
    let socket;
    if (opts.manager) {
      socket = opts.manager.socket(nsp, { auth });
    } else {
      const ioOptions = Object.assign({ auth, forceNew: true }, opts.ioOptions || {});
      if (opts.wx) ioOptions.wx = opts.wx;
      socket = opts.io(opts.url.replace(/\/+$/, '') + nsp, ioOptions);
    }
    this.socket = socket;
    if (socket.connected) this.status = 'connected';

    socket.on('connect', () => this._set({ status: 'connected', error: null }));
    socket.on('disconnect', (reason, details) => {
      const code = details && details.code ? ' ' + details.code : '';
      this._set({ status: socket.active ? 'reconnecting' : 'closed', error: reason + code });
    });
    socket.on('connect_error', (err) => {
      if (err.data && err.data.code === 'invalid_token' && socket.auth && socket.auth.token) {
        // The server no longer knows our token (new secret): start a new identity.
        socket.auth = this.me.name ? { name: this.me.name } : {};
        if (typeof opts.onToken === 'function') opts.onToken('');
        socket.connect();
        return;
      }
      this._set({ status: socket.active ? 'reconnecting' : 'refused', error: err.message });
    });
    socket.io.on('offline', () => this._set({ status: 'offline' }));
    socket.on('welcome', (w) => {
      this.me = { playerId: w.playerId, name: w.name, token: w.token };
      // Reconnections send the token, so the server knows us again: it keeps
      // our seat for the grace and sends the room's state again.
      socket.auth = { name: w.name, token: w.token };
      if (typeof opts.onToken === 'function') opts.onToken(w.token);
      this._emit('welcome', w);
      this._changed();
    });
  }

  on(event, fn) {
    (this.listeners[event] || (this.listeners[event] = [])).push(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    const l = this.listeners[event];
    if (l && l.indexOf(fn) !== -1) l.splice(l.indexOf(fn), 1);
  }

  _emit(event, arg) {
    (this.listeners[event] || []).slice().forEach((fn) => fn(arg));
  }

  _set(patch) {
    Object.assign(this, patch);
    this._changed();
  }

  _changed() {
    this._emit('change', this);
  }

  // Sends a request and resolves with the server's answer; rejects with the
  // server's error (err.code: the contract's code, e.g. not_your_turn), on
  // timeout or disconnect.
  _request(event, payload) {
    return this.socket
      .timeout(this.opts.requestTimeout || 5000)
      .emitWithAck(event, payload)
      .then((res) => {
        if (!res || res.ok !== true) {
          const e = (res && res.error) || {};
          const err = new Error(e.message || event + ' failed');
          err.code = e.code;
          throw err;
        }
        return res;
      });
  }

  close() {
    this.socket.disconnect();
    this._set({ status: 'closed' });
  }
}

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'No network',
  refused: 'Refused by the server',
  closed: 'Disconnected',
};

module.exports = { RoomClient, STATUS_TEXT };
