'use strict';
// Engine.IO 4 and Socket.IO 5 packet encoding, written for the websocket
// transport only: one Engine.IO packet per websocket frame, text frames carry
// "<type><data>", binary frames carry raw bytes (an Engine.IO message).

const EIO = {
  OPEN: '0',
  CLOSE: '1',
  PING: '2',
  PONG: '3',
  MESSAGE: '4',
  UPGRADE: '5',
  NOOP: '6',
};

const CONNECT = 0;
const DISCONNECT = 1;
const EVENT = 2;
const ACK = 3;
const CONNECT_ERROR = 4;
const BINARY_EVENT = 5;
const BINARY_ACK = 6;

const toString = Object.prototype.toString;

function isArrayBuffer(obj) {
  // instanceof fails across realms (and in some mini-program engines), the tag does not.
  return (
    obj != null &&
    ((typeof ArrayBuffer !== 'undefined' && obj instanceof ArrayBuffer) ||
      toString.call(obj) === '[object ArrayBuffer]')
  );
}

function isView(obj) {
  return (
    obj != null &&
    typeof ArrayBuffer !== 'undefined' &&
    typeof ArrayBuffer.isView === 'function' &&
    ArrayBuffer.isView(obj)
  );
}

function isBinary(obj) {
  return isArrayBuffer(obj) || isView(obj);
}

// Copies a typed array / DataView / Node Buffer into a standalone ArrayBuffer,
// the only binary type SocketTask.send accepts.
function toArrayBuffer(obj) {
  if (isArrayBuffer(obj)) return obj;
  return obj.buffer.slice(obj.byteOffset, obj.byteOffset + obj.byteLength);
}

function hasBinary(obj, depth) {
  if (obj === null || typeof obj !== 'object') return false;
  if (depth > 100) return false;
  if (isBinary(obj)) return true;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) if (hasBinary(obj[i], depth + 1)) return true;
    return false;
  }
  if (typeof obj.toJSON === 'function') return hasBinary(obj.toJSON(), depth + 1);
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, key) && hasBinary(obj[key], depth + 1)) return true;
  }
  return false;
}

function deconstruct(data, buffers) {
  if (data === null || typeof data !== 'object') return data;
  if (isBinary(data)) {
    const placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(toArrayBuffer(data));
    return placeholder;
  }
  if (Array.isArray(data)) {
    const out = new Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = deconstruct(data[i], buffers);
    return out;
  }
  if (typeof data.toJSON === 'function') {
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
  if (data === null || typeof data !== 'object') return data;
  if (data._placeholder === true) {
    const n = data.num;
    if (typeof n === 'number' && n >= 0 && n < buffers.length && Math.floor(n) === n) return buffers[n];
    throw new Error('illegal attachment placeholder');
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

// Encodes a Socket.IO packet {type, nsp, id?, data?} into the websocket frames
// to send: a text frame "4<socket.io packet>" and one binary frame per attachment.
function encode(packet) {
  let type = packet.type;
  let data = packet.data;
  const attachments = [];
  if ((type === EVENT || type === ACK) && hasBinary(data, 0)) {
    type = type === EVENT ? BINARY_EVENT : BINARY_ACK;
    data = deconstruct(data, attachments);
  }
  let str = EIO.MESSAGE + type;
  if (type === BINARY_EVENT || type === BINARY_ACK) str += attachments.length + '-';
  if (packet.nsp && packet.nsp !== '/') str += packet.nsp + ',';
  if (packet.id != null) str += packet.id;
  if (data !== undefined) str += JSON.stringify(data);
  return [str].concat(attachments);
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function validPayload(type, data) {
  switch (type) {
    case CONNECT:
      return data === undefined || isObject(data);
    case DISCONNECT:
      return data === undefined;
    case CONNECT_ERROR:
      return typeof data === 'string' || isObject(data);
    case EVENT:
    case BINARY_EVENT:
      return (
        Array.isArray(data) && data.length > 0 && (typeof data[0] === 'string' || typeof data[0] === 'number')
      );
    case ACK:
    case BINARY_ACK:
      return Array.isArray(data);
  }
  return false;
}

// Decodes the Socket.IO part of a text Engine.IO message (without the leading "4").
function decodeString(str) {
  const type = str.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6) || str.length === 0) throw new Error('unknown packet type');
  let i = 1;
  let attachments = 0;
  if (type === BINARY_EVENT || type === BINARY_ACK) {
    const dash = str.indexOf('-', 1);
    const num = str.substring(1, dash);
    if (dash === -1 || !/^\d+$/.test(num)) throw new Error('illegal attachments');
    attachments = Number(num);
    i = dash + 1;
  }
  let nsp = '/';
  if (str.charAt(i) === '/') {
    const comma = str.indexOf(',', i);
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
      throw new Error('invalid payload');
    }
  }
  if (!validPayload(type, data)) throw new Error('invalid payload');
  const packet = { type, nsp, data };
  if (id !== undefined) packet.id = id;
  if (attachments > 0) packet.attachments = attachments;
  return packet;
}

// Reassembles Socket.IO packets from Engine.IO messages (strings and
// ArrayBuffers). add() returns a complete packet, or null while attachments
// are still expected, and throws on a protocol violation.
class Decoder {
  constructor() {
    this.pending = null;
    this.buffers = [];
  }

  add(msg) {
    if (typeof msg === 'string') {
      if (this.pending) throw new Error('got text packet while waiting for binary attachments');
      const packet = decodeString(msg);
      if (packet.type === BINARY_EVENT || packet.type === BINARY_ACK) {
        if (!packet.attachments) {
          packet.type = packet.type === BINARY_EVENT ? EVENT : ACK;
          delete packet.attachments;
          return packet;
        }
        this.pending = packet;
        this.buffers = [];
        return null;
      }
      return packet;
    }
    if (!this.pending) throw new Error('got binary data when not reconstructing a packet');
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
}

module.exports = {
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
  toArrayBuffer,
};
