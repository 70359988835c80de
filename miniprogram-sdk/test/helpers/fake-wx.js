'use strict';
// A fake `wx` for Node tests, built on the `ws` package, that behaves like
// WeChat where it matters to a Socket.IO client:
//
// - wx.connectSocket() returns a SocketTask; events arrive asynchronously
//   through task.onOpen/onMessage/onError/onClose; send/close report through
//   success/fail/complete callbacks (errMsg strings like WeChat's).
// - Text frames arrive as strings, binary frames as ArrayBuffer; send() only
//   accepts a string or an ArrayBuffer.
// - At most 5 SocketTasks at once ("exceed max task count").
// - close() on a task that is still connecting fails (and may throw, like
//   some base libraries) and the task goes on connecting.
// - The global wx.onSocket* API throws: the SDK must never use it.
// - wx.onAppShow/onAppHide (or, mini-game flavour, wx.onShow/onHide),
//   wx.onNetworkStatusChange, wx.getNetworkType and their off* twins.
// - wx.request() over real HTTP (http:// only), answering like WeChat:
//   success({data, statusCode, header, errMsg}) for any status, the body
//   parsed as JSON when dataType is 'json' (the default) and it parses;
//   fail({errMsg: 'request:fail …'}) when offline or the request fails.
//
// Test controls: hide(), show(), setNetwork(), closeAll(), task.goSilent()
// (the connection dies without any close event, as seen on iOS after the app
// was in the background), and events on wx.events: 'task', 'open', 'closed'.
const EventEmitter = require('events');
const http = require('http');
const WebSocket = require('ws');

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

function later(fn) {
  setImmediate(fn);
}

function call(params, name, res) {
  if (params && typeof params[name] === 'function') params[name](res);
}

function finish(params, ok, res) {
  later(() => {
    call(params, ok ? 'success' : 'fail', res);
    call(params, 'complete', res);
  });
}

function toArrayBuffer(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function isArrayBuffer(x) {
  return Object.prototype.toString.call(x) === '[object ArrayBuffer]';
}

const DEFAULT_REASON = { 1000: 'normal closure', 1001: 'going away', 1006: 'abnormal closure' };

class FakeSocketTask {
  constructor(wx, params) {
    this.wx = wx;
    this.url = params.url;
    this.params = params;
    this.state = CONNECTING;
    this.silent = false;
    this.closeReported = false;
    this.sent = [];
    this._handlers = { open: [], message: [], error: [], close: [] };
    this.events = new EventEmitter();
  }

  onOpen(cb) {
    this._handlers.open.push(cb);
  }
  onMessage(cb) {
    this._handlers.message.push(cb);
  }
  onError(cb) {
    this._handlers.error.push(cb);
  }
  onClose(cb) {
    this._handlers.close.push(cb);
  }

  _fire(kind, res) {
    for (const cb of this._handlers[kind].slice()) cb(res);
  }

  _start() {
    const wx = this.wx;
    if (!wx.online) {
      later(() => this._fail('connectSocket:fail network is offline', 1006));
      return;
    }
    const headers = Object.assign({}, this.params.header || {});
    const ws = new WebSocket(this.url, this.params.protocols || [], { headers });
    this.ws = ws;
    ws.on('open', () => {
      if (this.state !== CONNECTING) return;
      this.state = OPEN;
      this._fire('open', { header: {}, profile: {} });
      this.events.emit('open');
      wx.events.emit('open', this);
    });
    ws.on('message', (data, isBinary) => {
      if (this.silent || this.state !== OPEN) return;
      this._fire('message', { data: isBinary ? toArrayBuffer(data) : data.toString('utf8') });
    });
    ws.on('error', (err) => {
      if (this.silent || this.state === CLOSED) return;
      this._fire('error', { errMsg: 'SocketTask error: ' + err.message });
    });
    ws.on('close', (code, reasonBuf) => {
      if (this._override) {
        this._closed(this._override.code, this._override.reason);
        return;
      }
      const reason = reasonBuf && reasonBuf.length ? reasonBuf.toString() : DEFAULT_REASON[code] || '';
      this._closed(code, reason);
    });
  }

  _fail(errMsg, code) {
    if (this.state === CLOSED) return;
    this._fire('error', { errMsg });
    this._closed(code, DEFAULT_REASON[code] || '');
  }

  _closed(code, reason) {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.wx._forget(this);
    if (!this.silent) {
      this.closeReported = true;
      this._fire('close', { code, reason });
    }
    this.events.emit('closed', code, reason);
    this.wx.events.emit('closed', this, code, reason);
  }

  send(params) {
    params = params || {};
    if (this.state !== OPEN) {
      finish(params, false, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
      return;
    }
    const data = params.data;
    if (typeof data !== 'string' && !isArrayBuffer(data)) {
      finish(params, false, { errMsg: 'sendSocketMessage:fail parameter error: data must be string or ArrayBuffer' });
      return;
    }
    if (this.silent) {
      // the packet vanishes in a dead network
      finish(params, true, { errMsg: 'sendSocketMessage:ok' });
      return;
    }
    this.sent.push(data);
    this.ws.send(typeof data === 'string' ? data : Buffer.from(data));
    finish(params, true, { errMsg: 'sendSocketMessage:ok' });
  }

  close(params) {
    params = params || {};
    this.closeCalls = (this.closeCalls || 0) + 1;
    const code = params.code === undefined ? 1000 : params.code;
    if (!(code === 1000 || (code >= 3000 && code <= 4999))) {
      finish(params, false, { errMsg: 'closeSocket:fail invalid code' });
      return;
    }
    if (this.state === CONNECTING) {
      const mode = this.wx.options.closeWhileConnecting || 'fail';
      if (mode === 'throw') throw new Error('closeSocket:fail WebSocket is not connected');
      if (mode === 'fail') {
        finish(params, false, { errMsg: 'closeSocket:fail WebSocket is not connected' });
        return;
      }
    }
    if (this.state === CLOSED || this.state === CLOSING) {
      finish(params, false, { errMsg: 'closeSocket:fail WebSocket is not connected' });
      return;
    }
    this.state = CLOSING;
    if (this.silent) {
      // In a dead network the close handshake never completes and WeChat
      // never reports onClose.
      this.ws.terminate();
    } else if (this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
    } else {
      this.ws.close(code, params.reason || '');
    }
    finish(params, true, { errMsg: 'closeSocket:ok' });
  }

  // Test control: the connection dies silently (no more messages either way,
  // no onClose/onError, ever).
  goSilent() {
    this.silent = true;
  }

  // Test control: WeChat closes the task itself (e.g. after the app spent
  // some time in the background) and reports this code and reason.
  drop(code, reason) {
    if (this.state === CLOSED) return;
    const c = code || 1006;
    const r = reason === undefined ? DEFAULT_REASON[c] || '' : reason;
    this._override = { code: c, reason: r };
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    else later(() => this._closed(c, r));
  }
}

function createFakeWx(options) {
  options = options || {};
  const listeners = { appShow: [], appHide: [], show: [], hide: [], network: [] };
  const wx = {
    options,
    online: true,
    networkType: 'wifi',
    tasks: [],
    live: new Set(),
    events: new EventEmitter(),
    globalApiCalls: [],
    storage: {},
    maxTasks: options.maxTasks || 5,

    connectSocket(params) {
      params = params || {};
      if (typeof params.url !== 'string' || !/^wss?:\/\//.test(params.url)) {
        finish(params, false, { errMsg: 'connectSocket:fail invalid url "' + params.url + '"' });
        return undefined;
      }
      const task = new FakeSocketTask(wx, params);
      wx.tasks.push(task);
      if (wx.live.size >= wx.maxTasks) {
        task.state = CLOSED;
        finish(params, false, { errMsg: 'connectSocket:fail exceed max task count' });
        wx.events.emit('task', task);
        return task;
      }
      wx.live.add(task);
      finish(params, true, { errMsg: 'connectSocket:ok' });
      task._start();
      wx.events.emit('task', task);
      return task;
    },

    _forget(task) {
      wx.live.delete(task);
    },

    getNetworkType(params) {
      finish(params, true, { networkType: wx.online ? wx.networkType : 'none', errMsg: 'getNetworkType:ok' });
    },

    request(params) {
      params = params || {};
      const method = (params.method || 'GET').toUpperCase();
      let req = null;
      const task = {
        abort() {
          if (req) req.destroy(new Error('abort'));
        },
      };
      if (!wx.online) {
        finish(params, false, { errMsg: 'request:fail network is down' });
        return task;
      }
      if (typeof params.url !== 'string' || !/^http:\/\//.test(params.url)) {
        finish(params, false, { errMsg: 'request:fail invalid url "' + params.url + '"' });
        return task;
      }
      let body = params.data;
      if (body !== undefined && typeof body !== 'string') body = JSON.stringify(body);
      if (method === 'GET') body = undefined;
      req = http.request(params.url, { method, headers: Object.assign({}, params.header || {}) }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let data = text;
          if ((params.dataType || 'json') === 'json') {
            try {
              data = JSON.parse(text);
            } catch (e) {
              data = text;
            }
          }
          finish(params, true, { data, statusCode: res.statusCode, header: res.headers, errMsg: 'request:ok' });
        });
      });
      req.on('error', (err) => finish(params, false, { errMsg: 'request:fail ' + err.message }));
      req.setTimeout(params.timeout || 60000, () => req.destroy(new Error('timeout')));
      req.end(body);
      return task;
    },

    getStorageSync(key) {
      return Object.prototype.hasOwnProperty.call(wx.storage, key) ? wx.storage[key] : '';
    },
    setStorageSync(key, value) {
      wx.storage[key] = value;
    },

    // ---- test controls

    hide() {
      for (const cb of listeners.appHide.concat(listeners.hide)) cb({});
    },
    show() {
      for (const cb of listeners.appShow.concat(listeners.show)) cb({ scene: 1001, path: '' });
    },
    // Network status change. dropSockets: false (default), 'close' (tasks
    // close with 1006) or 'silent' (tasks die without any event).
    setNetwork(isConnected, opts) {
      opts = opts || {};
      wx.online = isConnected;
      if (opts.networkType) wx.networkType = opts.networkType;
      if (opts.dropSockets) {
        for (const task of Array.from(wx.live)) {
          if (opts.dropSockets === 'silent') task.goSilent();
          else task.drop(1006, 'abnormal closure');
        }
      }
      const res = { isConnected, networkType: isConnected ? wx.networkType : 'none' };
      for (const cb of listeners.network.slice()) cb(res);
    },
    // WeChat closes every task with this code/reason (1000 "interrupted" after background...).
    closeAll(code, reason) {
      for (const task of Array.from(wx.live)) task.drop(code, reason);
    },
    liveTasks() {
      return Array.from(wx.live);
    },
    listenerCount() {
      return Object.keys(listeners).reduce((n, k) => n + listeners[k].length, 0);
    },
    // Terminates whatever is still open (test cleanup).
    destroy() {
      for (const task of wx.tasks) if (task.ws) task.ws.terminate();
    },
  };

  function register(kind) {
    return (cb) => {
      listeners[kind].push(cb);
    };
  }
  function unregister(kind) {
    return (cb) => {
      const i = listeners[kind].indexOf(cb);
      if (i !== -1) listeners[kind].splice(i, 1);
    };
  }
  if (options.miniGame) {
    wx.onShow = register('show');
    wx.offShow = unregister('show');
    wx.onHide = register('hide');
    wx.offHide = unregister('hide');
  } else {
    wx.onAppShow = register('appShow');
    wx.offAppShow = unregister('appShow');
    wx.onAppHide = register('appHide');
    wx.offAppHide = unregister('appHide');
  }
  wx.onNetworkStatusChange = register('network');
  wx.offNetworkStatusChange = unregister('network');

  for (const name of ['onSocketOpen', 'onSocketMessage', 'onSocketError', 'onSocketClose', 'sendSocketMessage', 'closeSocket']) {
    wx[name] = () => {
      wx.globalApiCalls.push(name);
      throw new Error('test: the global wx.' + name + ' API must not be used');
    };
  }
  return wx;
}

module.exports = { createFakeWx, FakeSocketTask };
