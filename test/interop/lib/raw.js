'use strict';
// Raw Engine.IO / Socket.IO access for the protocol tests: HTTP long-polling requests with
// fetch, and a WebSocket wrapper that queues every frame so none is lost between awaits.
const assert = require('node:assert/strict');
const http = require('node:http');
const { WebSocket } = require('ws');
const { withTimeout, deferred, DEFAULT_TIMEOUT_MS } = require('./wait');

const RS = '\x1e'; // Engine.IO 4 polling payload separator

// One HTTP request on a fresh connection (no keep-alive pool: a session test must not trip
// over a connection a previous test left half-closed). Resolves with status, headers and body.
function request(method, url, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const hdrs = { ...headers };
    if (body !== undefined && !Object.keys(hdrs).some((h) => h.toLowerCase() === 'content-type')) {
      hdrs['Content-Type'] = 'text/plain;charset=UTF-8';
    }
    const req = http.request(url, { method, headers: hdrs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({
          status: res.statusCode,
          headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
          contentType: res.headers['content-type'] || '',
          buffer,
          text: buffer.toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Starts a GET that the server is expected to hold open (a long-poll), and resolves once the
// request has been fully written to the socket plus a short settle time, so that a request
// sent afterwards reaches the server after it. The server being another process, there is no
// event that says "this poll is now pending"; this ordering aid is the only timed wait here.
const SETTLE_MS = 25;
function startPendingGet(url) {
  const response = new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: res.statusCode, contentType: res.headers['content-type'] || '', buffer, text: buffer.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('finish', () => setTimeout(() => sent.resolve(), SETTLE_MS));
  });
  const sent = deferred();
  return sent.promise.then(() => ({ response }));
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON: ${JSON.stringify(text)}`);
  }
}

// Engine.IO 3 text payload: "<length>:<packet>" repeated, lengths in UTF-16 code units.
function decodeEio3Payload(text) {
  const packets = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) throw new Error(`bad EIO3 payload: ${JSON.stringify(text)}`);
    const len = Number(text.slice(i, colon));
    if (!Number.isInteger(len)) throw new Error(`bad EIO3 payload length: ${JSON.stringify(text)}`);
    packets.push(text.slice(colon + 1, colon + 1 + len));
    i = colon + 1 + len;
  }
  return packets;
}
const encodeEio3Payload = (packets) => packets.map((p) => `${p.length}:${p}`).join('');

// Engine.IO 3 binary payload (application/octet-stream): per packet one type byte (0 string,
// 1 binary), the decimal digits of the length as bytes, 0xff, then the packet.
function decodeEio3BinaryPayload(buf) {
  const packets = [];
  let i = 0;
  while (i < buf.length) {
    const isBinary = buf[i] === 1;
    i++;
    let digits = '';
    while (buf[i] !== 0xff) {
      if (i >= buf.length) throw new Error(`bad EIO3 binary payload: ${buf.toString('hex')}`);
      digits += String(buf[i]);
      i++;
    }
    i++; // 0xff
    const len = Number(digits);
    const chunk = buf.subarray(i, i + len);
    packets.push(isBinary ? Buffer.from(chunk) : chunk.toString('utf8'));
    i += len;
  }
  return packets;
}

// An Engine.IO 4 long-polling client loop: keeps a GET pending, answers pings with pongs (so
// the session survives however slow the test machine is) and queues every other packet.
class Poller {
  constructor(url) {
    this.url = url;
    this.queue = [];
    this.waiters = [];
    this.pings = 0;
    this.running = true;
    this.end = null; // set when a GET fails: {status, text} or {error}
    this.done = this._run();
  }

  async _run() {
    while (this.running) {
      let res;
      try {
        res = await request('GET', this.url);
      } catch (error) {
        res = { error };
      }
      if (!this.running) return;
      if (res.error || res.status !== 200) {
        this.end = res.error ? { error: res.error.message } : { status: res.status, text: res.text };
        this._flush();
        return;
      }
      for (const p of res.text.split(RS)) {
        if (p === '2') {
          this.pings++;
          await request('POST', this.url, { body: '3' }).catch(() => {});
        } else {
          this.queue.push(p);
        }
      }
      this._flush();
    }
  }

  _flush() {
    while (this.waiters.length && (this.queue.length || this.end)) {
      const w = this.waiters.shift();
      if (this.queue.length) w.resolve(this.queue.shift());
      else w.reject(new Error(`polling ended (${JSON.stringify(this.end)}) while waiting for a packet`));
    }
  }

  next(timeout = DEFAULT_TIMEOUT_MS) {
    const w = deferred();
    this.waiters.push(w);
    this._flush();
    return withTimeout(w.promise, timeout, `a polled packet from ${this.url}`);
  }

  async nextN(n, timeout) {
    const out = [];
    while (out.length < n) out.push(await this.next(timeout));
    return out;
  }

  stop() {
    this.running = false; // the outstanding GET ends with the next ping, or with the server
  }
}

// A WebSocket whose incoming frames are queued: text frames as strings, binary as Buffers.
class RawSocket {
  constructor(url, { autoPong = false, eio3Ping = false } = {}) {
    this.url = url;
    this.autoPong = autoPong; // answer Engine.IO 4 pings ("2") with "3" and hide them
    this.eio3Ping = eio3Ping; // Engine.IO 3: the client pings; send "2" regularly, hide the "3"s
    this.queue = [];
    this.waiters = [];
    this.pingsAnswered = 0;
    this.ws = new WebSocket(url);
    this.outcome = deferred(); // first of: open, HTTP response instead of upgrade, error, close
    this.closed = deferred();
    this.closeInfo = null;
    this.ws.on('open', () => {
      this.outcome.resolve({ type: 'open' });
      if (this.eio3Ping) {
        this.pingTimer = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.ws.send('2'), 150);
      }
    });
    this.ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => this.outcome.resolve({ type: 'response', status: res.statusCode, body }));
      res.on('error', () => this.outcome.resolve({ type: 'response', status: res.statusCode, body }));
    });
    this.ws.on('error', (error) => {
      this.lastError = error;
      this.outcome.resolve({ type: 'error', error });
    });
    this.ws.on('close', (code, reason) => {
      clearInterval(this.pingTimer);
      this.closeInfo = { code, reason: reason.toString() };
      this.outcome.resolve({ type: 'close', ...this.closeInfo });
      this.closed.resolve(this.closeInfo);
      this._flush();
    });
    this.ws.on('message', (data, isBinary) => {
      const msg = isBinary ? Buffer.from(data) : data.toString('utf8');
      if (this.eio3Ping && msg === '3') return;
      if (this.autoPong && msg === '2') {
        this.pingsAnswered++;
        this.send('3');
        return;
      }
      this.queue.push(msg);
      this._flush();
    });
  }

  _flush() {
    while (this.waiters.length && (this.queue.length || this.closeInfo)) {
      const w = this.waiters.shift();
      if (this.queue.length) w.resolve(this.queue.shift());
      else w.reject(new Error(`connection closed (${this.closeInfo.code}) while waiting for a message on ${this.url}`));
    }
  }

  async opened(timeout = DEFAULT_TIMEOUT_MS) {
    const o = await withTimeout(this.outcome.promise, timeout, `WebSocket open of ${this.url}`);
    if (o.type !== 'open') throw new Error(`WebSocket to ${this.url} did not open: ${JSON.stringify(o)}`);
    return this;
  }

  // Next frame (string or Buffer).
  next(timeout = DEFAULT_TIMEOUT_MS, what = 'a message') {
    const w = deferred();
    this.waiters.push(w);
    this._flush();
    return withTimeout(w.promise, timeout, `${what} on ${this.url}`).catch((e) => {
      const i = this.waiters.indexOf(w);
      if (i >= 0) this.waiters.splice(i, 1);
      throw e;
    });
  }

  // Next frame that is not an Engine.IO 4 ping.
  async nextNonPing(timeout = DEFAULT_TIMEOUT_MS, what) {
    for (;;) {
      const m = await this.next(timeout, what);
      if (m !== '2') return m;
    }
  }

  async nextN(n, timeout = DEFAULT_TIMEOUT_MS) {
    const out = [];
    while (out.length < n) out.push(await this.nextNonPing(timeout, `message ${out.length + 1} of ${n}`));
    return out;
  }

  send(data) {
    this.ws.send(data);
  }

  waitClosed(timeout = DEFAULT_TIMEOUT_MS, what = 'the server to close the connection') {
    return withTimeout(this.closed.promise, timeout, `${what} (${this.url})`);
  }

  terminate() {
    clearInterval(this.pingTimer);
    try { this.ws.terminate(); } catch { /* gone */ }
  }
}

// A WebSocket the server must accept and then close at once (as the reference does with a
// second WebSocket on an upgraded session): it opens, no HTTP error, no error event, then a close.
async function assertAcceptedThenClosed(s) {
  const o = await withTimeout(s.outcome.promise, DEFAULT_TIMEOUT_MS, `WebSocket outcome of ${s.url}`);
  assert.equal(o.type, 'open', `the WebSocket must open, got ${JSON.stringify(o)}`);
  await s.waitClosed();
  assert.equal(s.lastError, undefined, `no error event (${s.lastError})`);
}

module.exports = {
  assertAcceptedThenClosed,
  RS, request, startPendingGet, parseJson, RawSocket, Poller, decodeEio3Payload, encodeEio3Payload, decodeEio3BinaryPayload,
};
