// Reference twin of `go run ./socketio/conformance`: the official Node
// socket.io / engine.io servers configured and behaving the same way, so every
// test in this repository can be run against the reference as well as ours.
//
//   node server.js --mode engine|socket --addr 127.0.0.1:PORT [--ping-interval 300ms --ping-timeout 200ms] [--recovery DURATION]
//
// --recovery (as "1500ms", "2s", "2m"; 0 or absent: off) turns on
// connectionStateRecovery with that maxDisconnectionDuration.
//
// Prints "listening <port>" on stdout once ready.
//
// Cluster mode (socket mode only), the twin of the conformance program's
// --redis-url / --name / --redis-prefix / --redis-sharded flags:
//   REDIS_URL=redis://127.0.0.1:6379   use @socket.io/redis-adapter (node-redis v4 clients)
//   NODE_NAME=a                        this node's name, answered to "whoami" (default node-<pid>)
//   REDIS_PREFIX=socket.io             the adapter's `key` (classic) or `channelPrefix` (sharded)
//   REDIS_SHARDED=1                    createShardedAdapter (Redis 7 sharded Pub/Sub) instead of createAdapter
// "listening" is printed only once the adapters of "/" and "/custom" are subscribed.
//
// Events served on "/" and "/custom" (cluster-wide when an adapter is in use):
//   message ...args                  → emit "message-back" ...args to the sender
//   message-with-ack ...args, ack    → ack(...args)
//   join room [, ack]                → socket.join(room); ack()
//   leave room [, ack]               → socket.leave(room); ack()
//   to-room room event ...args       → nsp.to(room).emit(event, ...args)
//   kick                             → socket.disconnect()
//   ask ...args                      → socket.timeout(5000).emit("question", ...args) → "answer" ...reply | "answer-timeout"
//   fetch-sockets room, ack          → ack(sorted ids of the room's sockets on every node);
//                                      on failure (e.g. a node did not answer within 2 s) ack({error: message})
//   sockets-join room target, ack    → nsp.in(room).socketsJoin(target); ack() once requested
//   sockets-leave room target, ack   → nsp.in(room).socketsLeave(target); ack() once requested
//                                      (for both, the effect shows on every node shortly after, not at the ack)
//   disconnect-room room             → nsp.in(room).disconnectSockets(true) (closes the underlying connections)
//   server-side-emit ...args         → nsp.serverSideEmit("ping-nodes", ...args); every *other* node, on
//                                      "ping-nodes" ...args, emits "server-side" ...args to its own local
//                                      sockets of that namespace (an emitter's serverSideEmit reaches every node)
//   nodes, ack                       → nsp.serverSideEmit("whoami", cb) waiting up to 2 s; every other node
//                                      answers its name; ack(sorted names that came; never this node's own)
//   ask-all ...args, ack             → nsp.timeout(2000).emit("question", ...args, cb); clients answer with one
//                                      value; ack(sorted answers; on timeout, the answers that came)
'use strict';
const http = require('http');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : def;
}
// A Go-style duration ("300ms", "25s", "1m") in milliseconds.
function durationMs(s) {
  if (s === '0' || s === 0) return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(s));
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]];
}
const mode = arg('mode', 'socket');
const [host, portStr] = arg('addr', '127.0.0.1:0').split(':');
const opts = {
  // The test contract's heartbeat; bench/cluster passes production-like values instead.
  pingInterval: durationMs(arg('ping-interval', '300ms')),
  pingTimeout: durationMs(arg('ping-timeout', '200ms')),
  maxPayload: 1000000,
  maxHttpBufferSize: 1000000,
  connectTimeout: 1000,
  cors: { origin: '*' },
};
const REQUESTS_TIMEOUT_MS = 2000;
const nodeName = process.env.NODE_NAME || `node-${process.pid}`;

// Connects the publish and subscribe clients and returns the adapter factory, plus a barrier
// that resolves once every subscription issued so far is confirmed by Redis.
async function redisAdapter(url) {
  const { createClient } = require('redis');
  const { createAdapter, createShardedAdapter } = require('@socket.io/redis-adapter');
  const sharded = process.env.REDIS_SHARDED === '1';
  const prefix = process.env.REDIS_PREFIX || 'socket.io';
  const pub = createClient({ url });
  const sub = pub.duplicate();
  // node-redis emits "error" on every failed (re)connection attempt; without a listener the
  // process would crash during a Redis outage. It reconnects (and resubscribes) by itself.
  for (const [label, c] of [['pub', pub], ['sub', sub]]) {
    c.on('error', (err) => console.error(`redis ${label}: ${err.message}`));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  const adapter = sharded
    ? createShardedAdapter(pub, sub, { channelPrefix: prefix })
    : createAdapter(pub, sub, { key: prefix, requestsTimeout: REQUESTS_TIMEOUT_MS });
  // The adapters subscribe from their constructors without waiting for the replies. node-redis
  // sends one connection's commands in order and Redis answers them in order, so once a later
  // subscription of ours is confirmed, theirs are too.
  const barrier = async () => {
    const channel = `${prefix}-ready#${nodeName}#${process.pid}`;
    const noop = () => {};
    if (sharded) {
      await sub.sSubscribe(channel, noop);
      await sub.sUnsubscribe(channel);
    } else {
      await sub.subscribe(channel, noop);
      await sub.unsubscribe(channel);
    }
  };
  return { adapter, barrier };
}

const recoveryMs = durationMs(arg('recovery', '0ms'));
if (recoveryMs > 0) {
  opts.connectionStateRecovery = { maxDisconnectionDuration: recoveryMs, skipMiddlewares: true };
}


function serveSocketIO(io) {
  const onConnection = (socket) => {
    const nsp = socket.nsp;
    socket.emit('auth', socket.handshake.auth);
    socket.on('message', (...args) => socket.emit('message-back', ...args));
    socket.on('message-with-ack', (...args) => {
      const ack = args.pop();
      ack(...args);
    });
    // Extras used by this repository's interop and SDK tests.
    socket.on('join', (room, ack) => { socket.join(room); if (typeof ack === 'function') ack(); });
    socket.on('leave', (room, ack) => { socket.leave(room); if (typeof ack === 'function') ack(); });
    socket.on('to-room', (room, event, ...args) => nsp.to(room).emit(event, ...args));
    socket.on('kick', () => socket.disconnect());
    // Recovery tests.
    socket.on('rooms', (ack) => ack([...socket.rooms].sort()));
    socket.on('emit-many', (rooms, event, count, ack) => {
      for (let i = 0; i < count; i++) socket.nsp.to(rooms[i % rooms.length]).emit(event, i);
      if (typeof ack === 'function') ack();
    });
    socket.on('ask', (...args) => {
      socket.timeout(5000).emit('question', ...args, (err, ...reply) => {
        if (err) socket.emit('answer-timeout');
        else socket.emit('answer', ...reply);
      });
    });
    // Cluster operations (see the header).
    socket.on('fetch-sockets', (room, ack) => {
      if (typeof ack !== 'function') return;
      nsp.in(room).timeout(REQUESTS_TIMEOUT_MS).fetchSockets().then(
        (sockets) => ack(sockets.map((s) => s.id).sort()),
        (err) => ack({ error: String(err && err.message ? err.message : err) }),
      );
    });
    socket.on('sockets-join', (room, target, ack) => {
      nsp.in(room).socketsJoin(target);
      if (typeof ack === 'function') ack();
    });
    socket.on('sockets-leave', (room, target, ack) => {
      nsp.in(room).socketsLeave(target);
      if (typeof ack === 'function') ack();
    });
    socket.on('disconnect-room', (room) => nsp.in(room).disconnectSockets(true));
    socket.on('server-side-emit', (...args) => {
      if (typeof args[args.length - 1] === 'function') args.pop();
      nsp.serverSideEmit('ping-nodes', ...args);
    });
    socket.on('nodes', (ack) => {
      if (typeof ack !== 'function') return;
      nsp.serverSideEmit('whoami', (err, names) => ack((names || []).slice().sort()));
    });
    socket.on('ask-all', (...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      nsp.timeout(REQUESTS_TIMEOUT_MS).emit('question', ...args, (err, answers) => {
        if (ack) ack((answers || []).slice().sort());
      });
    });
  };
  for (const name of ['/', '/custom']) {
    const nsp = io.of(name);
    nsp.on('connection', onConnection);
    // Server-side events from the other nodes (and from @socket.io/redis-emitter).
    nsp.on('ping-nodes', (...args) => {
      if (typeof args[args.length - 1] === 'function') args.pop();
      nsp.local.emit('server-side', ...args);
    });
    nsp.on('whoami', (cb) => { if (typeof cb === 'function') cb(nodeName); });
  }
  io.of('/refused').use((socket, next) => {
    const err = new Error('refused');
    err.data = { reason: 'test' };
    next(err);
  });
}

async function main() {
  const httpServer = http.createServer();
  if (mode === 'engine') {
    const engine = require('engine.io');
    const srv = engine.attach(httpServer, { ...opts, path: '/engine.io/' });
    srv.on('connection', (socket) => {
      socket.on('message', (data) => socket.send(data));
    });
  } else {
    const { Server } = require('socket.io');
    let cluster = null;
    if (process.env.REDIS_URL) cluster = await redisAdapter(process.env.REDIS_URL);
    const io = new Server(httpServer, {
      ...opts,
      allowEIO3: true,
      ...(cluster ? { adapter: cluster.adapter } : {}),
    });
    serveSocketIO(io);
    if (cluster) await cluster.barrier();
  }
  httpServer.listen(Number(portStr || 0), host || '127.0.0.1', () => {
    console.log('listening ' + httpServer.address().port);
  });
}

// node-redis rejects the commands it had written when a connection drops, and the Redis adapter
// publishes without catching (e.g. a broadcast sent just as Redis goes away): log them, as a
// production service does, rather than let Node end the process on an unhandled rejection.
process.on('unhandledRejection', (err) => console.error(`unhandled rejection: ${err && err.message ? err.message : err}`));

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
