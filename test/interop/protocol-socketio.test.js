'use strict';
// Socket.IO protocol at the raw packet level, against the socket.io server (`--mode socket`,
// path /socket.io/): Engine.IO 4 underneath (handshake, errors, heartbeat, close, upgrade), then
// Socket.IO v5 packets (connect, auth, namespace errors, events, acks both ways, binary
// attachments, malformed packets), and the Engine.IO 3 / Socket.IO v4 compatibility mode used
// by socket.io-client 2.x (allowEIO3). Written for this repo; it checks the behaviours of the
// official socket.io-protocol test suite, and more.
const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { describeEachServer } = require('./lib/servers');
const {
  RS, request, startPendingGet, parseJson, RawSocket, decodeEio3Payload, encodeEio3Payload, decodeEio3BinaryPayload, assertAcceptedThenClosed,
} = require('./lib/raw');

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
const CONNECT_TIMEOUT = 1000;
const HANDSHAKE_KEYS = ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades'];
const T = { timeout: 15000 };

function assertHandshake(h, upgrades, { eio3 = false } = {}) {
  if (eio3 && !('maxPayload' in h)) {
    // The reference sends maxPayload in Engine.IO 3 handshakes too; EIO3 itself does not have it.
    assert.deepEqual(Object.keys(h).sort(), HANDSHAKE_KEYS.filter((k) => k !== 'maxPayload'));
    h = { ...h, maxPayload: 1000000 };
  } else {
    assert.deepEqual(Object.keys(h).sort(), HANDSHAKE_KEYS);
  }
  assert.equal(typeof h.sid, 'string');
  assert.ok(h.sid.length > 0);
  assert.deepEqual(h.upgrades, upgrades);
  assert.equal(h.pingInterval, PING_INTERVAL);
  assert.equal(h.pingTimeout, PING_TIMEOUT);
  assert.equal(h.maxPayload, 1000000);
}

// A packet made of a fixed prefix and a JSON value, compared as parsed JSON (object key order
// is not significant).
function assertPacket(data, prefix, value) {
  assert.equal(typeof data, 'string');
  assert.ok(data.startsWith(prefix), `expected ${prefix}${JSON.stringify(value)}, got ${JSON.stringify(data)}`);
  assert.deepEqual(parseJson(data.slice(prefix.length), `packet ${data}`), value);
}

// "40{...}" / "40/custom,{...}" → the JSON part, checked to be exactly {sid: string}.
function assertConnectReply(data, prefix) {
  assert.equal(typeof data, 'string');
  assert.ok(data.startsWith(prefix), `expected ${prefix}{sid}, got ${JSON.stringify(data)}`);
  const body = parseJson(data.slice(prefix.length), 'CONNECT reply');
  assert.deepEqual(Object.keys(body), ['sid']);
  assert.equal(typeof body.sid, 'string');
  assert.ok(body.sid.length > 0);
  return body.sid;
}

describe('Socket.IO protocol (raw)', () => {
  describeEachServer('socket', (ctx) => {
    const sio = (query) => `${ctx.server.url}/socket.io/?${query}`;
    const wsio = (query) => `${ctx.server.wsUrl}/socket.io/?${query}`;
    const poll4 = (sid) => sio(`EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
    const poll3 = (sid, extra = '') => sio(`EIO=3&transport=polling&sid=${encodeURIComponent(sid)}${extra}`);
    const sockets = (t) => {
      const list = [];
      t.after(() => list.forEach((s) => s.terminate()));
      return (url, opts) => { const s = new RawSocket(url, opts); list.push(s); return s; };
    };

    // EIO4 WebSocket + CONNECT to "/" (pings answered automatically).
    async function connected(open, { nsp = '/', auth } = {}) {
      const ws = open(wsio('EIO=4&transport=websocket'), { autoPong: true });
      assert.equal((await ws.next())[0], '0');
      const prefix = nsp === '/' ? '40' : `40${nsp},`;
      ws.send(prefix + (auth ? JSON.stringify(auth) : ''));
      assertConnectReply(await ws.next(), prefix);
      assertPacket(await ws.next(), nsp === '/' ? '42' : `42${nsp},`, ['auth', auth || {}]);
      return ws;
    }

    // During an upgrade the server answers polls with a noop ("6") so the client can pause
    // polling; a ping queued just before may come first (answered here with a pong).
    async function pollUntilNoop(url) {
      for (let i = 0; i < 5; i++) {
        const res = await request('GET', url);
        assert.equal(res.status, 200);
        const packets = res.text.split(RS);
        if (packets.includes('6')) return;
        assert.deepEqual(packets, ['2'], `unexpected packets while upgrading: ${res.text}`);
        await request('POST', url, { body: '3' });
      }
      assert.fail('no noop packet while upgrading');
    }

    async function openPolling4() {
      const res = await request('GET', sio('EIO=4&transport=polling'));
      assert.equal(res.status, 200);
      return parseJson(res.text.slice(1), 'handshake').sid;
    }

    describe('Engine.IO 4 layer', () => {
      it('polling handshake carries the configured values', T, async () => {
        const res = await request('GET', sio('EIO=4&transport=polling'), { headers: { Origin: 'http://example.test' } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('access-control-allow-origin'), '*');
        assert.equal(res.text[0], '0');
        assertHandshake(parseJson(res.text.slice(1), 'handshake'), ['websocket']);
      });

      it('WebSocket handshake carries the configured values', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=4&transport=websocket'));
        const open = await ws.next();
        assert.equal(open[0], '0');
        assertHandshake(parseJson(open.slice(1), 'handshake'), []);
      });

      it('bad transport (400 code 0), bad handshake method (400 code 2), unknown sid (400 code 1)', T, async () => {
        const check = async (res, code, message) => {
          assert.equal(res.status, 400, res.text);
          assert.deepEqual(parseJson(res.text, 'error'), { code, message });
        };
        await check(await request('GET', sio('EIO=4')), 0, 'Transport unknown');
        await check(await request('GET', sio('EIO=4&transport=abc')), 0, 'Transport unknown');
        await check(await request('POST', sio('EIO=4&transport=polling')), 2, 'Bad handshake method');
        await check(await request('PUT', sio('EIO=4&transport=polling')), 2, 'Bad handshake method');
        await check(await request('GET', poll4('nope')), 1, 'Session ID unknown');
      });

      it('EIO=3 opens an Engine.IO 3 session; a missing or invalid EIO is refused (400) or taken as 3', T, async () => {
        const res3 = await request('GET', sio('EIO=3&transport=polling'));
        assert.equal(res3.status, 200);
        const [open3] = decodeEio3Payload(res3.text); // EIO3 framing: "<len>:0{...}"
        assert.equal(open3[0], '0');
        assertHandshake(parseJson(open3.slice(1), 'handshake'), ['websocket'], { eio3: true });
        // The reference (engine.io: `EIO === "4" ? 4 : 3` when EIO3 is allowed) opens an EIO3
        // session for these; the official socket.io-protocol suite requires 400 (so it fails
        // against the reference on this one check). Either is accepted here.
        for (const q of ['transport=polling', 'EIO=abc&transport=polling']) {
          const res = await request('GET', sio(q));
          if (res.status === 400) {
            assert.deepEqual(parseJson(res.text, 'error'), { code: 5, message: 'Unsupported protocol version' }, q);
          } else {
            assert.equal(res.status, 200, q);
            const [open] = decodeEio3Payload(res.text);
            assert.equal(open[0], '0', q);
            assertHandshake(parseJson(open.slice(1), 'handshake'), ['websocket'], { eio3: true });
          }
        }
      });

      it('heartbeat over polling: ping "2" / pong "3"; no pong closes the session', T, async () => {
        let sid = await openPolling4();
        for (let i = 0; i < 2; i++) {
          assert.equal((await request('GET', poll4(sid))).text, '2');
          assert.equal((await request('POST', poll4(sid), { body: '3' })).text, 'ok');
        }
        sid = await openPolling4();
        assert.equal((await request('GET', poll4(sid))).text, '2');
        assert.equal((await request('GET', poll4(sid))).text, '1', 'close after pingTimeout');
        assert.equal((await request('GET', poll4(sid))).status, 400);
      });

      it('heartbeat over WebSocket: ping "2" / pong "3"; no pong closes the connection', T, async (t) => {
        const open = sockets(t);
        const ws = open(wsio('EIO=4&transport=websocket'));
        await ws.next();
        for (let i = 0; i < 2; i++) {
          assert.equal(await ws.next(), '2');
          ws.send('3');
        }
        const ws2 = open(wsio('EIO=4&transport=websocket'));
        await ws2.next();
        assert.equal(await ws2.next(), '2');
        await ws2.waitClosed();
      });

      it('close packet: polling (pending GET gets "6", then 400) and WebSocket', T, async (t) => {
        const sid = await openPolling4();
        const pending = await startPendingGet(poll4(sid));
        assert.equal((await request('POST', poll4(sid), { body: '1' })).status, 200);
        assert.equal((await pending.response).text, '6');
        assert.equal((await request('GET', poll4(sid))).status, 400);
        const ws = sockets(t)(wsio('EIO=4&transport=websocket'));
        await ws.next();
        ws.send('1');
        await ws.waitClosed();
      });

      it('upgrade: probe, noop to the pending poll, then the session is WebSocket-only', T, async (t) => {
        const open = sockets(t);
        const sid = await openPolling4();
        // Socket.IO CONNECT over polling first, so the upgrade carries a live namespace.
        assert.equal((await request('POST', poll4(sid), { body: '40' })).text, 'ok');
        const got = (await request('GET', poll4(sid))).text.split(RS);
        if (got[0] === '2') { // a ping got in first (slow machine): answer it
          got.shift();
          await request('POST', poll4(sid), { body: '3' });
        }
        assertConnectReply(got[0], '40');
        assert.equal(got[1], '42["auth",{}]');
        const ws = await open(wsio(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true }).opened();
        ws.send('2probe');
        assert.equal(await ws.next(), '3probe');
        await pollUntilNoop(poll4(sid));
        ws.send('5');
        ws.send('42["message","over websocket"]');
        assert.equal(await ws.next(), '42["message-back","over websocket"]');
        assert.equal((await request('GET', poll4(sid))).status, 400, 'polling after upgrade');
        await assertAcceptedThenClosed(open(wsio(`EIO=4&transport=websocket&sid=${sid}`)));
        ws.send('42["message","still here"]');
        assert.equal(await ws.next(), '42["message-back","still here"]');
      });

      // The official suite's "should ignore WebSocket connection with same sid after upgrade".
      it('a second WebSocket racing the upgrade is accepted, then closed', T, async (t) => {
        const open = sockets(t);
        const sid = await openPolling4();
        const ws = await open(wsio(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true }).opened();
        ws.send('2probe');
        ws.send('5');
        await assertAcceptedThenClosed(open(wsio(`EIO=4&transport=websocket&sid=${sid}`)));
        assert.equal(await ws.next(), '3probe');
        ws.send('40');
        assertConnectReply(await ws.next(), '40');
      });
    });

    describe('Socket.IO v5 connect', () => {
      it('CONNECT to "/" → {sid} then the "auth" event with {}', T, async (t) => {
        await connected(sockets(t));
      });

      it('CONNECT to "/" with an auth payload → the "auth" event echoes it', T, async (t) => {
        await connected(sockets(t), { auth: { token: '123', nested: { a: [1, 'é'] } } });
      });

      it('CONNECT to "/custom" (with and without payload); a socket sid differs from the Engine.IO sid', T, async (t) => {
        const open = sockets(t);
        await connected(open, { nsp: '/custom' });
        await connected(open, { nsp: '/custom', auth: { token: 'abc' } });
        const ws = open(wsio('EIO=4&transport=websocket'), { autoPong: true });
        const engineSid = parseJson((await ws.next()).slice(1), 'handshake').sid;
        ws.send('40/custom,');
        const sid = assertConnectReply(await ws.next(), '40/custom,');
        assert.notEqual(sid, engineSid);
      });

      it('"/" and "/custom" on one connection: each gets its own sid and auth; events stay in their namespace', T, async (t) => {
        const ws = await connected(sockets(t), { auth: { who: 'main' } });
        ws.send('40/custom,{"who":"custom"}');
        assertConnectReply(await ws.next(), '40/custom,');
        assert.equal(await ws.next(), '42/custom,["auth",{"who":"custom"}]');
        ws.send('42/custom,["message","c"]');
        ws.send('42["message","m"]');
        assert.equal(await ws.next(), '42/custom,["message-back","c"]');
        assert.equal(await ws.next(), '42["message-back","m"]');
        ws.send('42/custom,0["message-with-ack","x"]');
        assert.equal(await ws.next(), '43/custom,0["x"]');
      });

      it('unknown namespace → CONNECT_ERROR "Invalid namespace"', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=4&transport=websocket'), { autoPong: true });
        await ws.next();
        ws.send('40/random');
        assert.equal(await ws.next(), '44/random,{"message":"Invalid namespace"}');
        ws.send('40/random,{"a":1}');
        assert.equal(await ws.next(), '44/random,{"message":"Invalid namespace"}');
        // The connection stays usable.
        ws.send('40');
        assertConnectReply(await ws.next(), '40');
      });

      it('middleware refusal → CONNECT_ERROR with message and data', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=4&transport=websocket'), { autoPong: true });
        await ws.next();
        ws.send('40/refused,{"token":"x"}');
        assertPacket(await ws.next(), '44/refused,', { message: 'refused', data: { reason: 'test' } });
        ws.send('40');
        assertConnectReply(await ws.next(), '40');
      });

      it('an invalid packet instead of CONNECT closes the connection', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=4&transport=websocket'));
        await ws.next();
        ws.send('4abc');
        await ws.waitClosed();
      });

      it('no CONNECT within connectTimeout closes the connection (pings answered meanwhile)', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=4&transport=websocket'), { autoPong: true });
        await ws.next();
        const t0 = Date.now();
        await ws.waitClosed(CONNECT_TIMEOUT + 4000, 'close by connect timeout');
        const elapsed = Date.now() - t0;
        assert.ok(elapsed >= CONNECT_TIMEOUT - 150, `closed after ${elapsed} ms, before connectTimeout`);
        assert.ok(ws.pingsAnswered >= 1, 'heartbeat ran meanwhile');
      });
    });

    describe('Socket.IO v5 disconnect', () => {
      it('DISCONNECT from "/" leaves the Engine.IO connection open', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.autoPong = false;
        ws.send('41');
        assert.equal(await ws.next(), '2', 'next packet is a ping: nothing else was sent, connection alive');
        ws.send('3');
      });

      it('DISCONNECT from "/custom" leaves "/" working', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('40/custom,');
        assertConnectReply(await ws.next(), '40/custom,');
        assert.equal(await ws.next(), '42/custom,["auth",{}]');
        ws.send('41/custom,');
        ws.send('42["message","message to main namespace"]');
        assert.equal(await ws.next(), '42["message-back","message to main namespace"]');
      });

      it('server-side disconnect ("kick") sends DISCONNECT for that namespace only', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('40/custom,');
        assertConnectReply(await ws.next(), '40/custom,');
        await ws.next(); // auth
        ws.send('42/custom,["kick"]');
        assert.equal(await ws.next(), '41/custom,');
        ws.send('42["message","main still connected"]');
        assert.equal(await ws.next(), '42["message-back","main still connected"]');
      });

      it('an event for a namespace the client is not connected to closes the connection', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('42/custom,["message","not connected here"]');
        await ws.waitClosed();
      });
    });

    describe('Socket.IO v5 events and acks', () => {
      it('plain event → "message-back" with the same arguments', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('42["message",1,"2",{"3":[true]},null,"é😀"]');
        assert.equal(await ws.next(), '42["message-back",1,"2",{"3":[true]},null,"é😀"]');
      });

      it('event with binary attachments → BINARY_EVENT back with the same attachments', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
        ws.send(Uint8Array.from([1, 2, 3]));
        ws.send(Uint8Array.from([4, 5, 6]));
        const [head, b0, b1] = await ws.nextN(3);
        assert.equal(head, '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
        assert.deepEqual([...b0], [1, 2, 3]);
        assert.deepEqual([...b1], [4, 5, 6]);
      });

      it('event with an ack id → ACK with the same arguments and id', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('42456["message-with-ack",1,"2",{"3":[false]}]');
        assert.equal(await ws.next(), '43456[1,"2",{"3":[false]}]');
        ws.send('420["message-with-ack"]');
        assert.equal(await ws.next(), '430[]');
      });

      it('binary event with an ack id → BINARY_ACK with the attachments', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
        ws.send(Uint8Array.from([1, 2, 3]));
        ws.send(Uint8Array.from([4, 5, 6]));
        const [head, b0, b1] = await ws.nextN(3);
        assert.equal(head, '462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
        assert.deepEqual([...b0], [1, 2, 3]);
        assert.deepEqual([...b1], [4, 5, 6]);
      });

      it('server → client ack: "question" carries an ack id; the client ACK (plain or binary) triggers "answer"', T, async (t) => {
        const ws = await connected(sockets(t));
        ws.send('42["ask","x",{"n":1}]');
        const q = await ws.next();
        const m = /^42(\d+)\["question","x",\{"n":1\}\]$/.exec(q);
        assert.ok(m, `question packet: ${q}`);
        ws.send(`43${m[1]}["reply",2]`);
        assert.equal(await ws.next(), '42["answer","reply",2]');

        ws.send('451-["ask",{"_placeholder":true,"num":0}]');
        ws.send(Uint8Array.from([7, 8]));
        const [qb, qbin] = await ws.nextN(2);
        const mb = /^451-(\d+)\["question",\{"_placeholder":true,"num":0\}\]$/.exec(qb);
        assert.ok(mb, `binary question packet: ${qb}`);
        assert.notEqual(mb[1], m[1], 'ack ids are not reused');
        assert.deepEqual([...qbin], [7, 8]);
        ws.send(`461-${mb[1]}[{"_placeholder":true,"num":0}]`);
        ws.send(Uint8Array.from([5, 6]));
        const [ab, abin] = await ws.nextN(2);
        assert.equal(ab, '451-["answer",{"_placeholder":true,"num":0}]');
        assert.deepEqual([...abin], [5, 6]);
      });

      it('room broadcast: "to-room" reaches members of the room, sender included', T, async (t) => {
        const open = sockets(t);
        const a = await connected(open);
        const b = await connected(open);
        const c = await connected(open);
        a.send('420["join","r1"]');
        assert.equal(await a.next(), '430[]');
        b.send('420["join","r1"]');
        assert.equal(await b.next(), '430[]');
        c.send('420["join","r2"]');
        assert.equal(await c.next(), '430[]');
        a.send('42["to-room","r1","news",1,{"x":"y"}]');
        a.send('42["to-room","r2","sentinel"]');
        assert.equal(await a.next(), '42["news",1,{"x":"y"}]');
        assert.equal(await b.next(), '42["news",1,{"x":"y"}]');
        assert.equal(await c.next(), '42["sentinel"]', 'non-member gets only the sentinel');
      });

      for (const [name, packet] of [
        ['unknown packet type', '4abc'],
        ['invalid payload format', '42{}'],
        ['invalid ack id', '42abc["message-with-ack",1,"2",{"3":[false]}]'],
      ]) {
        it(`malformed packet (${name}) closes the connection`, T, async (t) => {
          const ws = await connected(sockets(t));
          ws.send(packet);
          await ws.waitClosed();
        });
      }
    });

    describe('Engine.IO 3 / Socket.IO v4 compatibility (socket.io-client 2.x)', () => {
      async function openPolling3(extra = '') {
        const res = await request('GET', sio(`EIO=3&transport=polling${extra}`));
        assert.equal(res.status, 200);
        const [open] = decodeEio3Payload(res.text);
        assert.equal(open[0], '0');
        const h = parseJson(open.slice(1), 'handshake');
        assertHandshake(h, ['websocket'], { eio3: true });
        return h.sid;
      }

      it('polling: "<len>:<packet>" framing; the server connects "/" by itself and sends "auth"', T, async () => {
        const sid = await openPolling3();
        const res = await request('GET', poll3(sid));
        assert.equal(res.status, 200);
        assert.equal(res.text, '2:4013:42["auth",{}]');
      });

      it('polling: lengths count UTF-16 code units (astral characters count 2)', T, async () => {
        const sid = await openPolling3();
        await request('GET', poll3(sid)); // "40" + auth
        const body = encodeEio3Payload(['42["message","é😀"]', '42["message","plain"]']);
        assert.equal(body.slice(0, 3), '19:', 'self-check: 😀 counts 2');
        assert.equal((await request('POST', poll3(sid), { body })).text, 'ok');
        const res = await request('GET', poll3(sid));
        assert.equal(res.text, encodeEio3Payload(['42["message-back","é😀"]', '42["message-back","plain"]']));
      });

      it('polling: client ping "2" → pong "3"', T, async () => {
        const sid = await openPolling3();
        await request('GET', poll3(sid));
        for (let i = 0; i < 2; i++) {
          assert.equal((await request('POST', poll3(sid), { body: '1:2' })).text, 'ok');
          assert.equal((await request('GET', poll3(sid))).text, '1:3');
        }
      });

      it('polling: close "1" releases the pending GET with "6" and ends the session', T, async () => {
        const sid = await openPolling3();
        await request('GET', poll3(sid));
        const pending = await startPendingGet(poll3(sid));
        assert.equal((await request('POST', poll3(sid), { body: '1:1' })).status, 200);
        assert.equal((await pending.response).text, '1:6');
        assert.equal((await request('GET', poll3(sid))).status, 400);
      });

      it('polling: no client ping within pingInterval + pingTimeout closes the session', T, async () => {
        const sid = await openPolling3();
        const t0 = Date.now();
        await request('GET', poll3(sid)); // "40" + auth, immediately
        const res = await request('GET', poll3(sid)); // held until the session times out
        assert.equal(res.text, '1:1', 'close packet');
        assert.ok(Date.now() - t0 >= PING_INTERVAL + PING_TIMEOUT - 150, `closed after ${Date.now() - t0} ms`);
        assert.equal((await request('GET', poll3(sid))).status, 400);
      });

      it('polling: binary attachments go out as an octet-stream payload, or base64 with b64=1', T, async () => {
        const event = '451-["message",{"_placeholder":true,"num":0}]';
        for (const b64 of [false, true]) {
          const extra = b64 ? '&b64=1' : '';
          const sid = await openPolling3(extra);
          await request('GET', poll3(sid, extra));
          // Client → server: base64 attachment "b4<base64>" (type 4 = message) in a text payload.
          const body = encodeEio3Payload([event, 'b4AQID']);
          assert.equal((await request('POST', poll3(sid, extra), { body })).text, 'ok');
          const res = await request('GET', poll3(sid, extra));
          assert.equal(res.status, 200);
          const back = '451-["message-back",{"_placeholder":true,"num":0}]';
          if (b64) {
            assert.match(res.contentType, /^text\/plain/);
            assert.equal(res.text, encodeEio3Payload([back, 'b4AQID']));
          } else {
            assert.equal(res.contentType, 'application/octet-stream');
            const packets = decodeEio3BinaryPayload(res.buffer);
            assert.equal(packets.length, 2);
            assert.equal(packets[0], back);
            assert.ok(Buffer.isBuffer(packets[1]));
            assert.deepEqual([...packets[1]], [4, 1, 2, 3], 'binary packet: type byte 4, then the bytes');
          }
        }
      });

      it('WebSocket: open, "40", "auth"; client pings answered; events, acks, binary frames with a type byte', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=3&transport=websocket'));
        const open = await ws.next();
        assertHandshake(parseJson(open.slice(1), 'handshake'), [], { eio3: true });
        assert.equal(await ws.next(), '40');
        assert.equal(await ws.next(), '42["auth",{}]');
        ws.send('2');
        assert.equal(await ws.next(), '3');
        ws.send('42["message","a",1]');
        assert.equal(await ws.next(), '42["message-back","a",1]');
        ws.send('427["message-with-ack",{"k":"v"}]');
        assert.equal(await ws.next(), '437[{"k":"v"}]');
        ws.send('451-["message",{"_placeholder":true,"num":0}]');
        ws.send(Uint8Array.from([4, 1, 2, 3])); // EIO3 binary frame: type byte 4 (message) first
        assert.equal(await ws.next(), '451-["message-back",{"_placeholder":true,"num":0}]');
        assert.deepEqual([...(await ws.next())], [4, 1, 2, 3]);
      });

      it('WebSocket: no client ping closes the connection after pingInterval + pingTimeout', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=3&transport=websocket'));
        const t0 = Date.now();
        await ws.next();
        await ws.waitClosed();
        assert.ok(Date.now() - t0 >= PING_INTERVAL + PING_TIMEOUT - 150, `closed after ${Date.now() - t0} ms`);
      });

      it('namespaces: query becomes auth, refusal and unknown namespace errors carry data only', T, async (t) => {
        const ws = sockets(t)(wsio('EIO=3&transport=websocket'), { eio3Ping: true });
        await ws.next();
        assert.equal(await ws.next(), '40');
        assert.equal(await ws.next(), '42["auth",{}]');
        ws.send('40/custom?token=abc&n=1,');
        assert.equal(await ws.next(), '40/custom,', 'v4 protocol CONNECT reply carries no sid');
        assertPacket(await ws.next(), '42/custom,', ['auth', { token: 'abc', n: '1' }]);
        ws.send('40/refused,');
        assert.equal(await ws.next(), '44/refused,{"reason":"test"}');
        ws.send('40/nope,');
        assert.equal(await ws.next(), '44/nope,{"message":"Invalid namespace"}');
        ws.send('42/custom,["message","in custom"]');
        assert.equal(await ws.next(), '42/custom,["message-back","in custom"]');
      });

      it('upgrade from polling: probe, "1:6" to the pending poll, then WebSocket only', T, async (t) => {
        const sid = await openPolling3();
        assert.equal((await request('GET', poll3(sid))).text, '2:4013:42["auth",{}]');
        const ws = await sockets(t)(wsio(`EIO=3&transport=websocket&sid=${sid}`), { eio3Ping: true }).opened();
        ws.send('2probe');
        assert.equal(await ws.next(), '3probe');
        assert.equal((await request('GET', poll3(sid))).text, '1:6');
        ws.send('5');
        ws.send('42["message","upgraded"]');
        assert.equal(await ws.next(), '42["message-back","upgraded"]');
        assert.equal((await request('GET', poll3(sid))).status, 400);
      });
    });
  });
});
