/*! rpsio-miniprogram-sdk v0.1.0 | MIT | Socket.IO protocol 5 / Engine.IO 4 client */
"use strict";
var __getOwnPropNames = Object.getOwnPropertyNames;
var __commonJS = (cb, mod) => function __require() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};

// src/emitter.js
var require_emitter = __commonJS({
  "src/emitter.js"(exports2, module2) {
    "use strict";
    function report(err) {
      setTimeout(() => {
        throw err;
      }, 0);
    }
    var Emitter = class {
      constructor() {
        this._listeners = /* @__PURE__ */ Object.create(null);
      }
      on(event, fn) {
        (this._listeners[event] || (this._listeners[event] = [])).push(fn);
        return this;
      }
      addEventListener(event, fn) {
        return this.on(event, fn);
      }
      once(event, fn) {
        const self = this;
        function wrapper() {
          self.off(event, wrapper);
          fn.apply(self, arguments);
        }
        wrapper.fn = fn;
        return this.on(event, wrapper);
      }
      off(event, fn) {
        if (event === void 0) {
          this._listeners = /* @__PURE__ */ Object.create(null);
          return this;
        }
        const list = this._listeners[event];
        if (!list) return this;
        if (fn === void 0) {
          delete this._listeners[event];
          return this;
        }
        for (let i = 0; i < list.length; i++) {
          if (list[i] === fn || list[i].fn === fn) {
            list.splice(i, 1);
            break;
          }
        }
        if (list.length === 0) delete this._listeners[event];
        return this;
      }
      removeListener(event, fn) {
        return this.off(event, fn);
      }
      removeAllListeners(event) {
        return this.off(event);
      }
      removeEventListener(event, fn) {
        return this.off(event, fn);
      }
      listeners(event) {
        return (this._listeners[event] || []).slice();
      }
      hasListeners(event) {
        return !!this._listeners[event];
      }
      // Calls the listeners of `event` locally. Never throws because of a listener.
      emitReserved(event) {
        const list = this._listeners[event];
        if (!list) return this;
        const args = Array.prototype.slice.call(arguments, 1);
        const copy = list.slice();
        for (let i = 0; i < copy.length; i++) {
          try {
            copy[i].apply(this, args);
          } catch (err) {
            report(err);
          }
        }
        return this;
      }
      emit() {
        return this.emitReserved.apply(this, arguments);
      }
    };
    Emitter.report = report;
    module2.exports = Emitter;
  }
});

// src/clock.js
var require_clock = __commonJS({
  "src/clock.js"(exports2, module2) {
    "use strict";
    var clock = {
      now() {
        return Date.now();
      }
    };
    module2.exports = clock;
  }
});

// src/parser.js
var require_parser = __commonJS({
  "src/parser.js"(exports2, module2) {
    "use strict";
    var EIO = {
      OPEN: "0",
      CLOSE: "1",
      PING: "2",
      PONG: "3",
      MESSAGE: "4",
      UPGRADE: "5",
      NOOP: "6"
    };
    var CONNECT = 0;
    var DISCONNECT = 1;
    var EVENT = 2;
    var ACK = 3;
    var CONNECT_ERROR = 4;
    var BINARY_EVENT = 5;
    var BINARY_ACK = 6;
    var toString = Object.prototype.toString;
    function isArrayBuffer(obj) {
      return obj != null && (typeof ArrayBuffer !== "undefined" && obj instanceof ArrayBuffer || toString.call(obj) === "[object ArrayBuffer]");
    }
    function isView(obj) {
      return obj != null && typeof ArrayBuffer !== "undefined" && typeof ArrayBuffer.isView === "function" && ArrayBuffer.isView(obj);
    }
    function isBinary(obj) {
      return isArrayBuffer(obj) || isView(obj);
    }
    function toArrayBuffer(obj) {
      if (isArrayBuffer(obj)) return obj;
      return obj.buffer.slice(obj.byteOffset, obj.byteOffset + obj.byteLength);
    }
    function hasBinary(obj, depth) {
      if (obj === null || typeof obj !== "object") return false;
      if (depth > 100) return false;
      if (isBinary(obj)) return true;
      if (Array.isArray(obj)) {
        for (let i = 0; i < obj.length; i++) if (hasBinary(obj[i], depth + 1)) return true;
        return false;
      }
      if (typeof obj.toJSON === "function") return hasBinary(obj.toJSON(), depth + 1);
      for (const key in obj) {
        if (Object.prototype.hasOwnProperty.call(obj, key) && hasBinary(obj[key], depth + 1)) return true;
      }
      return false;
    }
    function deconstruct(data, buffers) {
      if (data === null || typeof data !== "object") return data;
      if (isBinary(data)) {
        const placeholder = { _placeholder: true, num: buffers.length };
        buffers.push(toArrayBuffer(data));
        return placeholder;
      }
      if (Array.isArray(data)) {
        const out2 = new Array(data.length);
        for (let i = 0; i < data.length; i++) out2[i] = deconstruct(data[i], buffers);
        return out2;
      }
      if (typeof data.toJSON === "function") {
        const json = data.toJSON();
        return json === data ? data : deconstruct(json, buffers);
      }
      const out = {};
      for (const key in data) {
        if (Object.prototype.hasOwnProperty.call(data, key)) out[key] = deconstruct(data[key], buffers);
      }
      return out;
    }
    function reconstruct(data, buffers) {
      if (data === null || typeof data !== "object") return data;
      if (data._placeholder === true) {
        const n = data.num;
        if (typeof n === "number" && n >= 0 && n < buffers.length && Math.floor(n) === n) return buffers[n];
        throw new Error("illegal attachment placeholder");
      }
      if (Array.isArray(data)) {
        for (let i = 0; i < data.length; i++) data[i] = reconstruct(data[i], buffers);
        return data;
      }
      for (const key in data) {
        if (Object.prototype.hasOwnProperty.call(data, key)) data[key] = reconstruct(data[key], buffers);
      }
      return data;
    }
    function encode(packet) {
      let type = packet.type;
      let data = packet.data;
      const attachments = [];
      if ((type === EVENT || type === ACK) && hasBinary(data, 0)) {
        type = type === EVENT ? BINARY_EVENT : BINARY_ACK;
        data = deconstruct(data, attachments);
      }
      let str = EIO.MESSAGE + type;
      if (type === BINARY_EVENT || type === BINARY_ACK) str += attachments.length + "-";
      if (packet.nsp && packet.nsp !== "/") str += packet.nsp + ",";
      if (packet.id != null) str += packet.id;
      if (data !== void 0) str += JSON.stringify(data);
      return [str].concat(attachments);
    }
    function isObject(v) {
      return v !== null && typeof v === "object" && !Array.isArray(v);
    }
    function validPayload(type, data) {
      switch (type) {
        case CONNECT:
          return data === void 0 || isObject(data);
        case DISCONNECT:
          return data === void 0;
        case CONNECT_ERROR:
          return typeof data === "string" || isObject(data);
        case EVENT:
        case BINARY_EVENT:
          return Array.isArray(data) && data.length > 0 && (typeof data[0] === "string" || typeof data[0] === "number");
        case ACK:
        case BINARY_ACK:
          return Array.isArray(data);
      }
      return false;
    }
    function decodeString(str) {
      const type = str.charCodeAt(0) - 48;
      if (!(type >= 0 && type <= 6) || str.length === 0) throw new Error("unknown packet type");
      let i = 1;
      let attachments = 0;
      if (type === BINARY_EVENT || type === BINARY_ACK) {
        const dash = str.indexOf("-", 1);
        const num = str.substring(1, dash);
        if (dash === -1 || !/^\d+$/.test(num)) throw new Error("illegal attachments");
        attachments = Number(num);
        i = dash + 1;
      }
      let nsp = "/";
      if (str.charAt(i) === "/") {
        const comma = str.indexOf(",", i);
        if (comma === -1) {
          nsp = str.substring(i);
          i = str.length;
        } else {
          nsp = str.substring(i, comma);
          i = comma + 1;
        }
      }
      let id;
      const start = i;
      while (i < str.length) {
        const c = str.charCodeAt(i);
        if (c < 48 || c > 57) break;
        i++;
      }
      if (i > start) id = Number(str.substring(start, i));
      let data;
      if (i < str.length) {
        try {
          data = JSON.parse(str.substring(i));
        } catch (e) {
          throw new Error("invalid payload");
        }
      }
      if (!validPayload(type, data)) throw new Error("invalid payload");
      const packet = { type, nsp, data };
      if (id !== void 0) packet.id = id;
      if (attachments > 0) packet.attachments = attachments;
      return packet;
    }
    var Decoder = class {
      constructor() {
        this.pending = null;
        this.buffers = [];
      }
      add(msg) {
        if (typeof msg === "string") {
          if (this.pending) throw new Error("got text packet while waiting for binary attachments");
          const packet2 = decodeString(msg);
          if (packet2.type === BINARY_EVENT || packet2.type === BINARY_ACK) {
            if (!packet2.attachments) {
              packet2.type = packet2.type === BINARY_EVENT ? EVENT : ACK;
              delete packet2.attachments;
              return packet2;
            }
            this.pending = packet2;
            this.buffers = [];
            return null;
          }
          return packet2;
        }
        if (!this.pending) throw new Error("got binary data when not reconstructing a packet");
        this.buffers.push(isArrayBuffer(msg) ? msg : toArrayBuffer(msg));
        if (this.buffers.length < this.pending.attachments) return null;
        const packet = this.pending;
        const buffers = this.buffers;
        this.pending = null;
        this.buffers = [];
        packet.data = reconstruct(packet.data, buffers);
        packet.type = packet.type === BINARY_EVENT ? EVENT : ACK;
        delete packet.attachments;
        return packet;
      }
      reset() {
        this.pending = null;
        this.buffers = [];
      }
    };
    module2.exports = {
      EIO,
      CONNECT,
      DISCONNECT,
      EVENT,
      ACK,
      CONNECT_ERROR,
      BINARY_EVENT,
      BINARY_ACK,
      encode,
      decodeString,
      Decoder,
      hasBinary: (obj) => hasBinary(obj, 0),
      isBinary,
      toArrayBuffer
    };
  }
});

// src/engine.js
var require_engine = __commonJS({
  "src/engine.js"(exports2, module2) {
    "use strict";
    var Emitter = require_emitter();
    var clock = require_clock();
    var EIO = require_parser().EIO;
    function protocolError(message) {
      const err = new Error(
        "protocol mismatch: " + message + " (this client speaks Engine.IO 4 / Socket.IO 5, i.e. a socket.io 3.x/4.x compatible server)"
      );
      err.type = "ProtocolError";
      return err;
    }
    var Engine = class extends Emitter {
      constructor(url, createTransport, transportOpts) {
        super();
        this.url = url;
        this.createTransport = createTransport;
        this.transportOpts = transportOpts || {};
        this.state = "closed";
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
        this.state = "opening";
        this.transport = this.createTransport(this.url, this.transportOpts, {
          onOpen: () => {
          },
          // wait for the Engine.IO open packet
          onMessage: (data) => this._onMessage(data),
          onClose: (details) => this._onTransportClose(details)
        });
        return this;
      }
      // Sends websocket frames (strings or ArrayBuffers) in order.
      send(frames) {
        if (this.state !== "open") return false;
        for (let i = 0; i < frames.length; i++) this.transport.send(frames[i]);
        return true;
      }
      // Closes the connection from our side. Emits 'close' with 'forced close'.
      close(description) {
        this._finish("forced close", { description: description || "closed by the client" });
      }
      // Fails the connection (parse error, open timeout...).
      fail(reason, details) {
        this._finish(reason, details);
      }
      // Wall-clock liveness check, for when timers may have been frozen (the app
      // was in the background). Closes with 'ping timeout' and returns false if
      // the server has been silent for longer than pingInterval + pingTimeout.
      checkAlive(description) {
        if (this.state !== "open") return false;
        if (clock.now() > this.pingDeadline) {
          this._finish("ping timeout", { description: description || "no ping from the server" });
          return false;
        }
        clearTimeout(this._pingTimer);
        this._pingTimer = setTimeout(this._checkHeartbeat, Math.max(0, this.pingDeadline - clock.now()));
        return true;
      }
      _onMessage(data) {
        if (this.state === "closed") return;
        this.lastPacketAt = clock.now();
        if (typeof data !== "string") {
          if (this.state !== "open") return this._protocolError("binary frame before the Engine.IO handshake");
          if (data == null) return;
          this._armHeartbeat();
          this.emitReserved("data", data);
          return;
        }
        const type = data.charAt(0);
        if (this.state === "opening") {
          if (type !== EIO.OPEN) {
            return this._protocolError("expected an Engine.IO open packet, got " + JSON.stringify(data.slice(0, 32)));
          }
          let hs = null;
          try {
            hs = JSON.parse(data.slice(1));
          } catch (e) {
            hs = null;
          }
          if (!hs || typeof hs.sid !== "string" || !(hs.pingInterval > 0) || !(hs.pingTimeout > 0)) {
            return this._protocolError("invalid Engine.IO handshake " + JSON.stringify(data.slice(0, 64)));
          }
          this.id = hs.sid;
          this.pingInterval = hs.pingInterval;
          this.pingTimeout = hs.pingTimeout;
          this.maxPayload = hs.maxPayload || 0;
          this.state = "open";
          this._armHeartbeat();
          this.emitReserved("open", hs);
          return;
        }
        this._armHeartbeat();
        switch (type) {
          case EIO.PING:
            this.transport.send(EIO.PONG + data.slice(1));
            this.emitReserved("ping");
            break;
          case EIO.MESSAGE:
            this.emitReserved("data", data.slice(1));
            break;
          case EIO.CLOSE:
            this._finish("transport close", { description: "the server sent an Engine.IO close packet" });
            break;
          case EIO.PONG:
          case EIO.NOOP:
          case EIO.OPEN:
            break;
          default:
            this._finish("parse error", { description: "unknown Engine.IO packet type " + JSON.stringify(type) });
        }
      }
      _armHeartbeat() {
        const span = this.pingInterval + this.pingTimeout;
        this.pingDeadline = clock.now() + span;
        if (!this._pingTimer) this._pingTimer = setTimeout(this._checkHeartbeat, span);
      }
      _checkHeartbeat() {
        this._pingTimer = null;
        if (this.state !== "open") return;
        const left = this.pingDeadline - clock.now();
        if (left <= 0) {
          this._finish("ping timeout", {
            description: "no ping from the server within pingInterval + pingTimeout (" + (this.pingInterval + this.pingTimeout) + " ms)"
          });
        } else {
          this._pingTimer = setTimeout(this._checkHeartbeat, left);
        }
      }
      _protocolError(message) {
        const err = protocolError(message);
        this._finish("parse error", { description: err.message, error: err });
      }
      _onTransportClose(details) {
        if (this.state === "closed") return;
        const reason = details.error ? "transport error" : "transport close";
        if (this.state === "opening") {
          const err = new Error(details.error ? "websocket error" : "websocket closed before the Engine.IO handshake");
          err.type = "TransportError";
          err.description = details.description;
          if (details.code !== void 0) err.code = details.code;
          details.error = err;
        } else if (details.error) {
          delete details.error;
        }
        this._finish(reason, details);
      }
      _finish(reason, details) {
        if (this.state === "closed") return;
        this.state = "closed";
        clearTimeout(this._pingTimer);
        this._pingTimer = null;
        if (this.transport) this.transport.close(1e3, reason === "forced close" ? "client closed" : reason);
        this.emitReserved("close", reason, details || {});
      }
    };
    Engine.protocolError = protocolError;
    module2.exports = Engine;
  }
});

// src/backoff.js
var require_backoff = __commonJS({
  "src/backoff.js"(exports2, module2) {
    "use strict";
    var Backoff = class {
      constructor(opts) {
        opts = opts || {};
        this.min = opts.min != null ? opts.min : 1e3;
        this.max = opts.max != null ? opts.max : 5e3;
        this.jitter = opts.jitter != null ? opts.jitter : 0.5;
        this.factor = 2;
        this.attempts = 0;
        this.random = opts.random || Math.random;
      }
      duration() {
        let ms = this.min * Math.pow(this.factor, this.attempts++);
        if (this.jitter > 0) {
          const rand = this.random();
          const deviation = Math.floor(rand * this.jitter * ms);
          ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
        }
        return Math.max(0, Math.min(ms, this.max)) | 0;
      }
      reset() {
        this.attempts = 0;
      }
    };
    module2.exports = Backoff;
  }
});

// src/transports.js
var require_transports = __commonJS({
  "src/transports.js"(exports2, module2) {
    "use strict";
    function noop() {
    }
    function errMsg(res, fallback) {
      if (res && typeof res.errMsg === "string" && res.errMsg) return res.errMsg;
      if (res && typeof res.message === "string" && res.message) return res.message;
      return fallback;
    }
    var WxTransport = class {
      constructor(api, url, opts, handlers) {
        this.h = handlers;
        this.state = "connecting";
        this.task = null;
        this._taskClosed = false;
        this._closeWanted = false;
        this._errMsg = "";
        this._errTimer = null;
        const fail = (res) => {
          setTimeout(() => this._terminate({ error: true, description: errMsg(res, "connectSocket failed") }), 0);
        };
        let task = null;
        try {
          const params = { url, tcpNoDelay: true, fail };
          if (opts.headers) params.header = opts.headers;
          if (opts.protocols) params.protocols = opts.protocols;
          task = api.connectSocket(params);
        } catch (err) {
          fail({ errMsg: "connectSocket threw: " + errMsg(err, String(err)) });
          return;
        }
        if (!task || typeof task.onOpen !== "function") {
          fail({ errMsg: "connectSocket returned no SocketTask (base library too old?)" });
          return;
        }
        this.task = task;
        task.onOpen(() => {
          if (this.state === "closed") {
            if (this._closeWanted && !this._taskClosed) this._closeTask(1e3, "client closed");
            return;
          }
          this.state = "open";
          this.h.onOpen();
        });
        task.onMessage((res) => {
          if (this.state === "open") this.h.onMessage(res ? res.data : void 0);
        });
        task.onError((res) => {
          if (this.state === "closed") return;
          const msg = errMsg(res, "websocket error");
          if (this.state === "connecting") {
            this._terminate({ error: true, description: msg });
            return;
          }
          this._errMsg = msg;
          if (!this._errTimer) {
            this._errTimer = setTimeout(() => this._terminate({ error: true, description: msg }), 100);
          }
        });
        task.onClose((res) => {
          this._taskClosed = true;
          if (this.state === "closed") return;
          const details = {
            description: this._errMsg || "websocket closed",
            code: res && res.code,
            reason: res && res.reason
          };
          if (this._errMsg) details.error = true;
          this._terminate(details);
        });
      }
      send(data) {
        if (this.state !== "open") return false;
        try {
          this.task.send({
            data,
            fail: (res) => {
              if (this.state === "open") this._terminate({ error: true, description: errMsg(res, "send failed") });
            }
          });
        } catch (err) {
          this._terminate({ error: true, description: errMsg(err, "send threw") });
          return false;
        }
        return true;
      }
      close(code, reason) {
        if (this.state === "closed") return;
        if (this.state === "connecting") this._closeWanted = true;
        this.state = "closed";
        clearTimeout(this._errTimer);
        this._closeTask(code || 1e3, reason || "");
      }
      _closeTask(code, reason) {
        if (!this.task || this._taskClosed) return;
        try {
          this.task.close({ code, reason, fail: noop });
        } catch (e) {
        }
      }
      _terminate(details) {
        if (this.state === "closed") return;
        this.state = "closed";
        clearTimeout(this._errTimer);
        this._closeTask(1e3, "terminated");
        this.h.onClose(details);
      }
    };
    var WebSocketTransport = class {
      constructor(WS, url, opts, handlers) {
        this.h = handlers;
        this.state = "connecting";
        this._error = "";
        let ws;
        try {
          ws = opts.protocols ? new WS(url, opts.protocols) : new WS(url);
        } catch (err) {
          setTimeout(() => this._terminate({ error: true, description: errMsg(err, "WebSocket constructor threw") }), 0);
          return;
        }
        this.ws = ws;
        ws.binaryType = "arraybuffer";
        ws.onopen = () => {
          if (this.state !== "connecting") return;
          this.state = "open";
          this.h.onOpen();
        };
        ws.onmessage = (ev) => {
          if (this.state === "open") this.h.onMessage(ev.data);
        };
        ws.onerror = (ev) => {
          if (this.state === "closed") return;
          this._error = errMsg(ev && ev.error, "websocket error");
          if (this.state === "connecting") this._terminate({ error: true, description: this._error });
        };
        ws.onclose = (ev) => {
          const details = {
            description: this._error || "websocket closed",
            code: ev && ev.code,
            reason: ev && ev.reason
          };
          if (this._error) details.error = true;
          this._terminate(details);
        };
      }
      send(data) {
        if (this.state !== "open") return false;
        try {
          this.ws.send(data);
        } catch (err) {
          this._terminate({ error: true, description: errMsg(err, "send threw") });
          return false;
        }
        return true;
      }
      close(code, reason) {
        if (this.state === "closed") return;
        this.state = "closed";
        this._closeWs(code || 1e3, reason || "");
      }
      _closeWs(code, reason) {
        const ws = this.ws;
        if (!ws) return;
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
        try {
          ws.close(code, reason);
        } catch (e) {
        }
      }
      _terminate(details) {
        if (this.state === "closed") return;
        this.state = "closed";
        this._closeWs(1e3, "");
        this.h.onClose(details);
      }
    };
    function resolvePlatform(opts) {
      if (opts.wx) return opts.wx;
      if (typeof wx !== "undefined" && wx && typeof wx.connectSocket === "function") return wx;
      return null;
    }
    function resolveTransport(opts, platform) {
      const t = opts.transport;
      if (typeof t === "function") return t;
      if (t === "websocket" || !t && !platform) {
        const WS = opts.WebSocket || (typeof WebSocket !== "undefined" ? WebSocket : null);
        if (!WS) throw new Error("rpsio: no transport available (neither wx.connectSocket nor WebSocket)");
        return (url, o, h) => new WebSocketTransport(WS, url, o, h);
      }
      if (!platform) throw new Error('rpsio: transport "wx" needs the wx object (pass opts.wx)');
      return (url, o, h) => new WxTransport(platform, url, o, h);
    }
    module2.exports = { WxTransport, WebSocketTransport, resolvePlatform, resolveTransport };
  }
});

// src/socket.js
var require_socket = __commonJS({
  "src/socket.js"(exports2, module2) {
    "use strict";
    var Emitter = require_emitter();
    var parser2 = require_parser();
    var RESERVED = {
      connect: 1,
      connect_error: 1,
      disconnect: 1,
      disconnecting: 1,
      newListener: 1,
      removeListener: 1,
      dropped: 1
    };
    function callSafely(fn, self, args) {
      try {
        fn.apply(self, args);
      } catch (err) {
        Emitter.report(err);
      }
    }
    var Socket2 = class extends Emitter {
      constructor(io, nsp, opts) {
        super();
        opts = opts || {};
        this.io = io;
        this.nsp = nsp;
        this.auth = opts.auth;
        this.id = void 0;
        this.connected = false;
        this.recovered = false;
        this._pid = void 0;
        this._lastOffset = void 0;
        this.receiveBuffer = [];
        this.ids = 0;
        this.acks = {};
        this.sendBuffer = [];
        this.flags = {};
        this._opts = opts;
        this._ackTimeout = opts.ackTimeout;
        this._maxQueue = opts.maxQueueSize === void 0 || opts.maxQueueSize === null ? 100 : opts.maxQueueSize;
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
        if (this.io._readyState === "open") this._onOpen();
        else if (!this.io._reconnecting) this.io.open();
        return this;
      }
      open() {
        return this.connect();
      }
      send() {
        const args = Array.prototype.slice.call(arguments);
        args.unshift("message");
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
          args.push((err, value) => err ? reject(err) : resolve(value));
          this._emit(args, true);
        });
      }
      _emit(args, withError) {
        const flags = this.flags;
        this.flags = {};
        const packet = { type: parser2.EVENT, nsp: this.nsp, data: args };
        if (typeof args[args.length - 1] === "function") {
          const fn = args.pop();
          const timeout = flags.timeout !== void 0 ? flags.timeout : this._ackTimeout;
          this._registerAck(packet, fn, timeout, withError || timeout !== void 0);
        }
        const canSend = this.connected && this.io._readyState === "open";
        if (flags.volatile && !canSend) {
          this._discard(packet, "volatile emit while disconnected", false);
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
        if (timeout !== void 0 && timeout !== null && timeout !== Infinity) {
          entry.timer = setTimeout(() => {
            if (this.acks[id] !== entry) return;
            delete this.acks[id];
            if (entry.queued) {
              const i = this.sendBuffer.indexOf(packet);
              if (i !== -1) this.sendBuffer.splice(i, 1);
            }
            const err = new Error("operation has timed out");
            err.type = "TimeoutError";
            callSafely(fn, this, [err]);
          }, timeout);
        }
        this.acks[id] = entry;
      }
      _send(packet) {
        if (packet.id !== void 0) {
          const entry = this.acks[packet.id];
          if (entry) entry.queued = false;
        }
        if (packet.type === parser2.EVENT && this._anyOut.length) {
          const out = this._anyOut.slice();
          for (let i = 0; i < out.length; i++) callSafely(out[i], this, packet.data);
        }
        this.io._packet(packet);
      }
      _enqueue(packet) {
        if (this._maxQueue <= 0) {
          this._discard(packet, "offline queue disabled", true);
          return;
        }
        while (this.sendBuffer.length >= this._maxQueue) {
          this._discard(this.sendBuffer.shift(), "offline queue full", true);
        }
        if (packet.id !== void 0 && this.acks[packet.id]) this.acks[packet.id].queued = true;
        this.sendBuffer.push(packet);
      }
      // Drops an emit that will never be sent; fails its error-first ack and
      // tells the app through the 'dropped' event.
      _discard(packet, reason, notify) {
        if (packet.id !== void 0) {
          const entry = this.acks[packet.id];
          if (entry) {
            delete this.acks[packet.id];
            clearTimeout(entry.timer);
            if (entry.withError) {
              const err = new Error("emit dropped: " + reason);
              err.type = "DroppedError";
              callSafely(entry.fn, this, [err]);
            }
          }
        }
        if (notify) {
          this.emitReserved("dropped", { event: packet.data[0], args: packet.data.slice(1), reason });
        }
      }
      disconnect() {
        const wasConnected = this.connected;
        if (wasConnected) this.io._packet({ type: parser2.DISCONNECT, nsp: this.nsp });
        this._connectSent = false;
        if (this._active) {
          this._active = false;
          this.io._destroy(this);
        }
        if (wasConnected) this._onClose("io client disconnect", { description: "socket.disconnect() was called" });
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
          if (this._pid) data = Object.assign({ pid: this._pid, offset: this._lastOffset }, data);
          this.io._packet({ type: parser2.CONNECT, nsp: this.nsp, data: data === null ? void 0 : data });
        };
        if (typeof this.auth === "function") this.auth(send);
        else send(this.auth);
      }
      _onPacket(packet) {
        switch (packet.type) {
          case parser2.CONNECT:
            if (packet.data && typeof packet.data.sid === "string") this._onConnect(packet.data.sid, packet.data.pid);
            else {
              this.io._protocolMismatch(
                "the server answered CONNECT without a session id (Socket.IO protocol 4 or older, e.g. a socket.io 2.x server)"
              );
            }
            break;
          case parser2.EVENT:
            this._onEvent(packet);
            break;
          case parser2.ACK:
            this._onAck(packet);
            break;
          case parser2.DISCONNECT:
            this._active = false;
            this._connectSent = false;
            this.io._destroy(this);
            this._onClose("io server disconnect", { description: "the server disconnected the socket" });
            break;
          case parser2.CONNECT_ERROR: {
            this._active = false;
            this._connectSent = false;
            this.receiveBuffer = [];
            this.io._destroy(this);
            const data = packet.data;
            const err = new Error(typeof data === "string" ? data : data && data.message || "connect error");
            if (data && typeof data === "object" && "data" in data) err.data = data.data;
            this.emitReserved("connect_error", err);
            break;
          }
        }
      }
      _onConnect(id, pid) {
        if (this.connected) return;
        this.id = id;
        this.recovered = Boolean(pid && this._pid === pid);
        this._pid = pid;
        this.connected = true;
        this._connectSent = false;
        const received = this.receiveBuffer;
        this.receiveBuffer = [];
        for (let i = 0; i < received.length; i++) this._emitEvent(received[i]);
        const queue = this.sendBuffer;
        this.sendBuffer = [];
        for (let i = 0; i < queue.length; i++) this._send(queue[i]);
        this.emitReserved("connect");
      }
      _onEvent(packet) {
        const args = packet.data.slice();
        if (packet.id !== void 0) args.push(this._ackFn(packet.id));
        if (this.connected) this._emitEvent(args);
        else if (this._connectSent) this.receiveBuffer.push(args);
      }
      _emitEvent(args) {
        const any = this._any.slice();
        for (let i = 0; i < any.length; i++) callSafely(any[i], this, args);
        this.emitReserved.apply(this, args);
        if (this._pid && args.length && typeof args[args.length - 1] === "string") this._lastOffset = args[args.length - 1];
      }
      _ackFn(id) {
        let sent = false;
        const session = this.io._session;
        return function() {
          if (sent) return;
          sent = true;
          if (!this.connected || this.io._session !== session) return;
          this._send({ type: parser2.ACK, nsp: this.nsp, id, data: Array.prototype.slice.call(arguments) });
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
        if (!this.connected) this.emitReserved("connect_error", err);
      }
      _onFatal(err) {
        this._active = false;
        this._connectSent = false;
        if (this.connected) this._onClose("parse error", { description: err.message });
        this.emitReserved("connect_error", err);
      }
      _onClose(reason, details) {
        this._connectSent = false;
        this.receiveBuffer = [];
        if (!this.connected) return;
        this.connected = false;
        this.id = void 0;
        for (const id in this.acks) {
          const entry = this.acks[id];
          if (entry.queued) continue;
          delete this.acks[id];
          clearTimeout(entry.timer);
          if (entry.withError) {
            const err = new Error("socket has been disconnected");
            err.type = "DisconnectedError";
            callSafely(entry.fn, this, [err]);
          }
        }
        this.emitReserved("disconnect", reason, details || {});
      }
    };
    module2.exports = Socket2;
  }
});

// src/manager.js
var require_manager = __commonJS({
  "src/manager.js"(exports2, module2) {
    "use strict";
    var Emitter = require_emitter();
    var Engine = require_engine();
    var Backoff = require_backoff();
    var clock = require_clock();
    var parser2 = require_parser();
    var transports = require_transports();
    var Socket2 = require_socket();
    function encodeQuery(query) {
      if (!query) return "";
      if (typeof query === "string") return query.replace(/^[?&]/, "");
      const parts = [];
      for (const key in query) {
        if (Object.prototype.hasOwnProperty.call(query, key) && query[key] != null) {
          parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(query[key]));
        }
      }
      return parts.join("&");
    }
    function option(value, def) {
      return value === void 0 || value === null ? def : value;
    }
    var Manager2 = class extends Emitter {
      // uri: "ws://host:port" or "wss://host" (no path); see io() for URL parsing.
      constructor(uri, opts) {
        super();
        opts = opts || {};
        this.uri = uri;
        this.opts = opts;
        this.nsps = {};
        this._active = [];
        this.engine = null;
        this._readyState = "closed";
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
        this.decoder = new parser2.Decoder();
        this.backoff = new Backoff({
          min: option(opts.reconnectionDelay, 1e3),
          max: option(opts.reconnectionDelayMax, 5e3),
          jitter: option(opts.randomizationFactor, 0.5)
        });
        this._reconnection = opts.reconnection !== false;
        this._reconnectionAttempts = option(opts.reconnectionAttempts, Infinity);
        this._timeout = option(opts.timeout, 2e4);
        this._autoConnect = opts.autoConnect !== false;
        this._platform = transports.resolvePlatform(opts);
        this._createTransport = transports.resolveTransport(opts, this._platform);
        const path = (opts.path || "/socket.io").replace(/\/+$/, "") + "/";
        const extra = encodeQuery(opts.query);
        this._url = uri + path + "?EIO=4&transport=websocket" + (extra ? "&" + extra : "");
        if (this._autoConnect) this.open();
      }
      // socket.io-client compatible getters/setters.
      reconnection(v) {
        if (v === void 0) return this._reconnection;
        this._reconnection = !!v;
        if (!v) this.skipReconnect = true;
        return this;
      }
      reconnectionAttempts(v) {
        if (v === void 0) return this._reconnectionAttempts;
        this._reconnectionAttempts = v;
        return this;
      }
      reconnectionDelay(v) {
        if (v === void 0) return this.backoff.min;
        this.backoff.min = v;
        return this;
      }
      reconnectionDelayMax(v) {
        if (v === void 0) return this.backoff.max;
        this.backoff.max = v;
        return this;
      }
      randomizationFactor(v) {
        if (v === void 0) return this.backoff.jitter;
        this.backoff.jitter = v;
        return this;
      }
      timeout(v) {
        if (v === void 0) return this._timeout;
        this._timeout = v;
        return this;
      }
      // The socket of namespace `nsp` on this connection (created on first use).
      socket(nsp, opts) {
        nsp = nsp || "/";
        if (nsp.charAt(0) !== "/") nsp = "/" + nsp;
        let socket = this.nsps[nsp];
        if (!socket) {
          socket = new Socket2(this, nsp, Object.assign({}, this.opts, opts || {}));
          this.nsps[nsp] = socket;
        } else if (this._autoConnect && !socket.active) {
          socket.connect();
        }
        return socket;
      }
      open(fn) {
        if (this._readyState === "open" || this._readyState === "opening") return this;
        this.skipReconnect = !this._reconnection;
        this._gaveUp = false;
        this._installPlatform();
        this._session++;
        const engine = new Engine(this._url, this._createTransport, {
          headers: this.opts.extraHeaders,
          protocols: this.opts.protocols
        });
        this.engine = engine;
        this._readyState = "opening";
        this.decoder.reset();
        const done = typeof fn === "function" ? fn : null;
        engine.on("open", () => {
          if (engine !== this.engine) return;
          clearTimeout(this._openTimer);
          this._readyState = "open";
          this.emitReserved("open");
          const sockets = this._active.slice();
          for (let i = 0; i < sockets.length; i++) {
            if (engine === this.engine) sockets[i]._onOpen();
          }
          if (done && engine === this.engine) done(null);
        });
        engine.on("data", (data) => {
          if (engine === this.engine) this._onData(data);
        });
        engine.on("ping", () => {
          if (engine === this.engine) this.emitReserved("ping");
        });
        engine.on("close", (reason, details) => {
          if (engine !== this.engine) return;
          clearTimeout(this._openTimer);
          this.engine = null;
          if (this._readyState === "opening") {
            this._readyState = "closed";
            const err = details.error || new Error(details.description || reason);
            this._openFailed(err, done);
          } else {
            this._onClose(reason, details);
          }
        });
        if (this._timeout > 0 && this._timeout !== Infinity) {
          this._openTimer = setTimeout(() => {
            if (engine !== this.engine || this._readyState !== "opening") return;
            const err = new Error("timeout");
            err.type = "TimeoutError";
            engine.fail("transport error", { description: "connect timeout", error: err });
          }, this._timeout);
        }
        engine.open();
        return this;
      }
      connect(fn) {
        return this.open(fn);
      }
      _openFailed(err, done) {
        this.emitReserved("error", err);
        if (err.type === "ProtocolError") {
          this._protocolMismatch(err);
          return;
        }
        const sockets = this._active.slice();
        for (let i = 0; i < sockets.length; i++) sockets[i]._onError(err);
        if (done) done(err);
        else if (this._reconnection && !this.skipReconnect && this._active.length) this.reconnect();
      }
      _onClose(reason, details) {
        this._readyState = "closed";
        this.decoder.reset();
        this.backoff.reset();
        const immediate = this._immediate;
        this._immediate = false;
        this.emitReserved("close", reason, details);
        const sockets = this._active.slice();
        for (let i = 0; i < sockets.length; i++) sockets[i]._onClose(reason, details);
        if (this._reconnection && !this.skipReconnect && this._active.length && this._readyState === "closed") {
          this.reconnect(immediate);
        }
      }
      _onData(data) {
        let packet;
        try {
          packet = this.decoder.add(data);
        } catch (err) {
          this.engine.fail("parse error", { description: err.message });
          return;
        }
        if (!packet) return;
        this.emitReserved("packet", packet);
        const socket = this.nsps[packet.nsp];
        if (socket && socket._active) socket._onPacket(packet);
      }
      _packet(packet) {
        if (!this.engine || this._readyState !== "open") return false;
        return this.engine.send(parser2.encode(packet));
      }
      // Schedules one reconnection attempt (never two at once).
      reconnect(immediate) {
        if (this._reconnecting || this.skipReconnect) return this;
        if (this._offline) return this;
        if (this.backoff.attempts >= this._reconnectionAttempts) {
          this.backoff.reset();
          this._gaveUp = true;
          this.emitReserved("reconnect_failed");
          return this;
        }
        let delay = this.backoff.duration();
        if (immediate) delay = 0;
        this._reconnecting = true;
        this._reconnectTimer = setTimeout(() => {
          this._reconnectTimer = null;
          if (this.skipReconnect) return;
          this.emitReserved("reconnect_attempt", this.backoff.attempts);
          if (this.skipReconnect || !this._reconnecting) return;
          this.open((err) => {
            this._reconnecting = false;
            if (err) {
              this.emitReserved("reconnect_error", err);
              this.reconnect();
            } else {
              const attempt = this.backoff.attempts;
              this.backoff.reset();
              this.emitReserved("reconnect", attempt);
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
        const wasOpen = this._readyState !== "closed";
        this.skipReconnect = true;
        this._reconnecting = false;
        clearTimeout(this._reconnectTimer);
        clearTimeout(this._openTimer);
        this._reconnectTimer = null;
        this._removePlatform();
        const engine = this.engine;
        this.engine = null;
        this._readyState = "closed";
        this.backoff.reset();
        this.decoder.reset();
        if (engine) engine.close("closed by the client");
        if (wasOpen) this.emitReserved("close", "forced close", { description: "closed by the client" });
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
        if (typeof err === "string") err = Engine.protocolError(err);
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
          if (typeof p[name] !== "function") return false;
          try {
            p[name](fn);
            return true;
          } catch (e) {
            return false;
          }
        };
        this._showApi = on("onAppShow", this._onShowFn) ? "AppShow" : on("onShow", this._onShowFn) ? "Show" : null;
        this._hideApi = on("onAppHide", this._onHideFn) ? "AppHide" : on("onHide", this._onHideFn) ? "Hide" : null;
        this._netApi = on("onNetworkStatusChange", this._onNetFn);
        if (typeof p.getNetworkType === "function" && !this._netSeen) {
          try {
            p.getNetworkType({
              success: (res) => {
                if (!this._netSeen && this._platformOn && res && res.networkType === "none") {
                  this._onNetwork({ isConnected: false, networkType: "none" });
                }
              }
            });
          } catch (e) {
          }
        }
      }
      _removePlatform() {
        const p = this._platform;
        if (!this._platformOn) return;
        this._platformOn = false;
        const off = (name, fn) => {
          if (typeof p[name] === "function") {
            try {
              p[name](fn);
            } catch (e) {
            }
          }
        };
        if (this._showApi) off("off" + this._showApi, this._onShowFn);
        if (this._hideApi) off("off" + this._hideApi, this._onHideFn);
        if (this._netApi) off("offNetworkStatusChange", this._onNetFn);
        this._offline = false;
        this._netSeen = false;
        this._hiddenAt = 0;
      }
      _onHide() {
        if (!this._platformOn) return;
        this._hiddenAt = clock.now();
        this.emitReserved("app_hide");
      }
      _onShow() {
        if (!this._platformOn) return;
        const hiddenFor = this._hiddenAt ? clock.now() - this._hiddenAt : 0;
        this._hiddenAt = 0;
        this.emitReserved("app_show", hiddenFor);
        this._kick("app show");
      }
      _onNetwork(res) {
        if (!this._platformOn) return;
        this._netSeen = true;
        if (res && res.isConnected === false) {
          this._offline = true;
          if (this._reconnecting && this._reconnectTimer) {
            clearTimeout(this._reconnectTimer);
            this._reconnectTimer = null;
            this._reconnecting = false;
          }
          this.emitReserved("offline");
          return;
        }
        const wasOffline = this._offline;
        this._offline = false;
        if (wasOffline) this.emitReserved("online");
        this._kick(wasOffline ? "network back" : "network change");
      }
      // Something happened that makes the connection suspicious or worth
      // retrying right now: check it, or reconnect without waiting for the backoff.
      _kick(why) {
        if (this.skipReconnect || this._active.length === 0) return;
        if (this._readyState === "open") {
          this._immediate = true;
          this.engine.checkAlive("connection stale after " + why);
          this._immediate = false;
          return;
        }
        if (this._readyState === "opening") return;
        if (this._gaveUp || !this._reconnection || this._offline) return;
        if (this._reconnecting) {
          if (!this._reconnectTimer) return;
          clearTimeout(this._reconnectTimer);
          this._reconnectTimer = null;
          this._reconnecting = false;
        }
        this.backoff.reset();
        this.reconnect(true);
      }
    };
    module2.exports = Manager2;
  }
});

// src/index.js
var Manager = require_manager();
var Socket = require_socket();
var parser = require_parser();
var cache = {};
function parseUrl(uri) {
  if (typeof uri !== "string" || !uri) throw new Error('rpsio: io(url) needs a url such as "wss://example.com"');
  if (uri.indexOf("//") === 0) uri = "https:" + uri;
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) uri = "https://" + uri;
  const m = /^(https?|wss?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?/i.exec(uri);
  if (!m) throw new Error("rpsio: unsupported url " + JSON.stringify(uri) + " (use ws://, wss://, http:// or https://)");
  const scheme = m[1].toLowerCase();
  const secure = scheme === "https" || scheme === "wss";
  let nsp = m[3] || "/";
  if (nsp.length > 1) nsp = nsp.replace(/\/+$/, "");
  return {
    origin: (secure ? "wss" : "ws") + "://" + m[2],
    nsp: nsp || "/",
    query: m[4] || ""
  };
}
function lookup(uri, opts) {
  if (typeof uri === "object" && uri !== null) {
    opts = uri;
    uri = opts.url;
  }
  opts = Object.assign({}, opts || {});
  const parsed = parseUrl(uri);
  if (parsed.query && !opts.query) opts.query = parsed.query;
  const path = opts.path || "/socket.io";
  const id = parsed.origin + path;
  const sameNamespace = cache[id] && parsed.nsp in cache[id].nsps;
  const newConnection = opts.forceNew || opts["force new connection"] || opts.multiplex === false || sameNamespace;
  let io;
  if (newConnection) {
    io = new Manager(parsed.origin, opts);
  } else {
    if (!cache[id]) cache[id] = new Manager(parsed.origin, opts);
    io = cache[id];
  }
  return io.socket(parsed.nsp, opts);
}
function WxSocketIO(uri, opts) {
  return lookup(uri, opts);
}
WxSocketIO.prototype = Socket.prototype;
lookup.io = lookup;
lookup.connect = lookup;
lookup.default = lookup;
lookup.WxSocketIO = WxSocketIO;
lookup.Manager = Manager;
lookup.Socket = Socket;
lookup.protocol = 5;
lookup.parser = parser;
lookup.parseUrl = parseUrl;
module.exports = lookup;
