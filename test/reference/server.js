// Reference twin of `go run ./socketio/conformance`: the official Node
// socket.io / engine.io servers configured and behaving the same way, so every
// test in this repository can be run against the reference as well as ours.
//
//   node server.js --mode engine|socket --addr 127.0.0.1:PORT [--recovery DURATION]
//
// --recovery (as "1500ms", "2s", "2m"; 0 or absent: off) turns on
// connectionStateRecovery with that maxDisconnectionDuration.
//
// Prints "listening <port>" on stdout once ready.
'use strict';
const http = require('http');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : def;
}
const mode = arg('mode', 'socket');
const [host, portStr] = arg('addr', '127.0.0.1:0').split(':');
const opts = {
  pingInterval: 300,
  pingTimeout: 200,
  maxPayload: 1000000,
  maxHttpBufferSize: 1000000,
  connectTimeout: 1000,
  cors: { origin: '*' },
};

// A Go-style duration ("1500ms", "2s", "2m") in milliseconds.
function durationMs(s) {
  if (!s || s === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(s || '0ms');
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]];
}
const recoveryMs = durationMs(arg('recovery', '0ms'));
if (recoveryMs > 0) {
  opts.connectionStateRecovery = { maxDisconnectionDuration: recoveryMs, skipMiddlewares: true };
}

const httpServer = http.createServer();

if (mode === 'engine') {
  const engine = require('engine.io');
  const srv = engine.attach(httpServer, { ...opts, path: '/engine.io/' });
  srv.on('connection', (socket) => {
    socket.on('message', (data) => socket.send(data));
  });
} else {
  const { Server } = require('socket.io');
  const io = new Server(httpServer, { ...opts, allowEIO3: true });
  const onConnection = (socket) => {
    socket.emit('auth', socket.handshake.auth);
    socket.on('message', (...args) => socket.emit('message-back', ...args));
    socket.on('message-with-ack', (...args) => {
      const ack = args.pop();
      ack(...args);
    });
    // Extras used by this repository's interop and SDK tests.
    socket.on('join', (room, ack) => { socket.join(room); if (typeof ack === 'function') ack(); });
    socket.on('to-room', (room, event, ...args) => socket.nsp.to(room).emit(event, ...args));
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
  };
  io.of('/').on('connection', onConnection);
  io.of('/custom').on('connection', onConnection);
  io.of('/refused').use((socket, next) => {
    const err = new Error('refused');
    err.data = { reason: 'test' };
    next(err);
  });
}

httpServer.listen(Number(portStr || 0), host || '127.0.0.1', () => {
  console.log('listening ' + httpServer.address().port);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
