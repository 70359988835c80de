'use strict';
// rpsio-miniprogram-sdk: a Socket.IO (protocol 5 over Engine.IO 4) client for
// WeChat mini-programs and mini-games, and browsers.
//
//   const { io } = require('rpsio-miniprogram-sdk');
//   const socket = io('wss://example.com/rps', { auth: { token } });
const Manager = require('./manager');
const Socket = require('./socket');
const parser = require('./parser');

const cache = {};

// Splits "https://host:port/nsp?x=1" into the websocket origin, namespace and query.
function parseUrl(uri) {
  if (typeof uri !== 'string' || !uri) throw new Error('rpsio: io(url) needs a url such as "wss://example.com"');
  if (uri.indexOf('//') === 0) uri = 'https:' + uri;
  else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) uri = 'https://' + uri;
  const m = /^(https?|wss?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?/i.exec(uri);
  if (!m) throw new Error('rpsio: unsupported url ' + JSON.stringify(uri) + ' (use ws://, wss://, http:// or https://)');
  const scheme = m[1].toLowerCase();
  const secure = scheme === 'https' || scheme === 'wss';
  let nsp = m[3] || '/';
  if (nsp.length > 1) nsp = nsp.replace(/\/+$/, '');
  return {
    origin: (secure ? 'wss' : 'ws') + '://' + m[2],
    nsp: nsp || '/',
    query: m[4] || '',
  };
}

function lookup(uri, opts) {
  if (typeof uri === 'object' && uri !== null) {
    opts = uri;
    uri = opts.url;
  }
  opts = Object.assign({}, opts || {});
  const parsed = parseUrl(uri);
  if (parsed.query && !opts.query) opts.query = parsed.query;
  const path = opts.path || '/socket.io';
  const id = parsed.origin + path;
  const sameNamespace = cache[id] && parsed.nsp in cache[id].nsps;
  const newConnection = opts.forceNew || opts['force new connection'] || opts.multiplex === false || sameNamespace;
  let io;
  if (newConnection) {
    io = new Manager(parsed.origin, opts);
  } else {
    if (!cache[id]) cache[id] = new Manager(parsed.origin, opts);
    io = cache[id];
  }
  return io.socket(parsed.nsp, opts);
}

// The name of the original design: `new WxSocketIO(url, opts)` is `io(url, opts)`.
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
