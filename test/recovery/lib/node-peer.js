'use strict';
// A Node socket.io server in a cluster through @socket.io/redis-adapter (classic), without
// connection state recovery: the Node peer of an rpsio node. Its clients see what Node peers
// see of rpsio's broadcasts.
//
//   node lib/node-peer.js --redis-url redis://127.0.0.1:PORT    prints "listening <port>"
const http = require('node:http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');

const i = process.argv.indexOf('--redis-url');
const pub = new Redis(process.argv[i + 1]);
const sub = pub.duplicate();
const httpServer = http.createServer();
const io = new Server(httpServer, { adapter: createAdapter(pub, sub) });
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => { socket.join(room); ack(); });
});
// Ready only once the adapter's subscriptions are: they went first on the subscriber
// connection, and Redis answers one connection in order, so this one's answer follows theirs.
sub.psubscribe('rpsio-peer-ready-probe').then(() => {
  httpServer.listen(0, '127.0.0.1', () => console.log('listening ' + httpServer.address().port));
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
