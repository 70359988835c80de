'use strict';
// Websocket transports. Both expose the same small interface to the engine:
//
//   const t = create(url, { headers, protocols }, { onOpen, onMessage, onClose })
//   t.send(stringOrArrayBuffer)   t.close(code, reason)
//
// onClose(details) is called at most once, and never after t.close(): from
// then on the underlying socket is ignored whatever it reports (a WeChat
// SocketTask may report nothing at all, or report late).

function noop() {}

function errMsg(res, fallback) {
  if (res && typeof res.errMsg === 'string' && res.errMsg) return res.errMsg;
  if (res && typeof res.message === 'string' && res.message) return res.message;
  return fallback;
}

// WeChat (and compatible: QQ, ByteDance...) SocketTask returned by
// api.connectSocket. Never uses the global wx.onSocket* API, which mixes up
// several connections.
class WxTransport {
  constructor(api, url, opts, handlers) {
    this.h = handlers;
    this.state = 'connecting'; // 'open', 'closed'
    this.task = null;
    this._taskClosed = false; // the SocketTask reported onClose
    this._closeWanted = false; // close() was called while connecting
    this._errMsg = '';
    this._errTimer = null;
    const fail = (res) => {
      setTimeout(() => this._terminate({ error: true, description: errMsg(res, 'connectSocket failed') }), 0);
    };
    let task = null;
    try {
      const params = { url, tcpNoDelay: true, fail };
      if (opts.headers) params.header = opts.headers;
      if (opts.protocols) params.protocols = opts.protocols;
      task = api.connectSocket(params);
    } catch (err) {
      fail({ errMsg: 'connectSocket threw: ' + errMsg(err, String(err)) });
      return;
    }
    if (!task || typeof task.onOpen !== 'function') {
      fail({ errMsg: 'connectSocket returned no SocketTask (base library too old?)' });
      return;
    }
    this.task = task;
    task.onOpen(() => {
      if (this.state === 'closed') {
        // close() was called while connecting: WeChat may have ignored it.
        if (this._closeWanted && !this._taskClosed) this._closeTask(1000, 'client closed');
        return;
      }
      this.state = 'open';
      this.h.onOpen();
    });
    task.onMessage((res) => {
      if (this.state === 'open') this.h.onMessage(res ? res.data : undefined);
    });
    task.onError((res) => {
      if (this.state === 'closed') return;
      const msg = errMsg(res, 'websocket error');
      if (this.state === 'connecting') {
        this._terminate({ error: true, description: msg });
        return;
      }
      // Once open, onError is usually followed by onClose carrying the close
      // code: give it a moment so the code reaches the app.
      this._errMsg = msg;
      if (!this._errTimer) {
        this._errTimer = setTimeout(() => this._terminate({ error: true, description: msg }), 100);
      }
    });
    task.onClose((res) => {
      this._taskClosed = true;
      if (this.state === 'closed') return;
      const details = {
        description: this._errMsg || 'websocket closed',
        code: res && res.code,
        reason: res && res.reason,
      };
      if (this._errMsg) details.error = true;
      this._terminate(details);
    });
  }

  send(data) {
    if (this.state !== 'open') return false;
    try {
      this.task.send({
        data,
        fail: (res) => {
          if (this.state === 'open') this._terminate({ error: true, description: errMsg(res, 'send failed') });
        },
      });
    } catch (err) {
      this._terminate({ error: true, description: errMsg(err, 'send threw') });
      return false;
    }
    return true;
  }

  close(code, reason) {
    if (this.state === 'closed') return;
    if (this.state === 'connecting') this._closeWanted = true;
    this.state = 'closed';
    clearTimeout(this._errTimer);
    this._closeTask(code || 1000, reason || '');
  }

  _closeTask(code, reason) {
    if (!this.task || this._taskClosed) return;
    try {
      // Never throws out of here, whatever the state (closing a SocketTask
      // that is still connecting fails or throws on some base libraries).
      this.task.close({ code, reason, fail: noop });
    } catch (e) {
      // ignored: onOpen closes it again if it ever opens
    }
  }

  _terminate(details) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this._errTimer);
    this._closeTask(1000, 'terminated');
    this.h.onClose(details);
  }
}

// The standard WebSocket (browsers, or `ws` in Node).
class WebSocketTransport {
  constructor(WS, url, opts, handlers) {
    this.h = handlers;
    this.state = 'connecting';
    this._error = '';
    let ws;
    try {
      ws = opts.protocols ? new WS(url, opts.protocols) : new WS(url);
    } catch (err) {
      setTimeout(() => this._terminate({ error: true, description: errMsg(err, 'WebSocket constructor threw') }), 0);
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (this.state !== 'connecting') return;
      this.state = 'open';
      this.h.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.state === 'open') this.h.onMessage(ev.data);
    };
    ws.onerror = (ev) => {
      if (this.state === 'closed') return;
      this._error = errMsg(ev && ev.error, 'websocket error');
      if (this.state === 'connecting') this._terminate({ error: true, description: this._error });
    };
    ws.onclose = (ev) => {
      const details = {
        description: this._error || 'websocket closed',
        code: ev && ev.code,
        reason: ev && ev.reason,
      };
      if (this._error) details.error = true;
      this._terminate(details);
    };
  }

  send(data) {
    if (this.state !== 'open') return false;
    try {
      this.ws.send(data);
    } catch (err) {
      this._terminate({ error: true, description: errMsg(err, 'send threw') });
      return false;
    }
    return true;
  }

  close(code, reason) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this._closeWs(code || 1000, reason || '');
  }

  _closeWs(code, reason) {
    const ws = this.ws;
    if (!ws) return;
    // Keep no-op handlers (a missing error handler makes some implementations throw).
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
    try {
      ws.close(code, reason);
    } catch (e) {
      // already closing
    }
  }

  _terminate(details) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this._closeWs(1000, '');
    this.h.onClose(details);
  }
}

function resolvePlatform(opts) {
  if (opts.wx) return opts.wx;
  // eslint-disable-next-line no-undef
  if (typeof wx !== 'undefined' && wx && typeof wx.connectSocket === 'function') return wx; // global in mini-programs
  return null;
}

function resolveTransport(opts, platform) {
  const t = opts.transport;
  if (typeof t === 'function') return t;
  if (t === 'websocket' || (!t && !platform)) {
    // eslint-disable-next-line no-undef
    const WS = opts.WebSocket || (typeof WebSocket !== 'undefined' ? WebSocket : null);
    if (!WS) throw new Error('rpsio: no transport available (neither wx.connectSocket nor WebSocket)');
    return (url, o, h) => new WebSocketTransport(WS, url, o, h);
  }
  if (!platform) throw new Error('rpsio: transport "wx" needs the wx object (pass opts.wx)');
  return (url, o, h) => new WxTransport(platform, url, o, h);
}

module.exports = { WxTransport, WebSocketTransport, resolvePlatform, resolveTransport };
