'use strict';
// A real redis-server per test file (test/lib/redis-server.js): persistence off, stoppable and
// restartable on the same port (the outage tests; the data is not kept), killed when the
// process ends. client() gives a connected node-redis v4 client from this suite's own
// node_modules, closed by stop()/close().
const { createClient } = require('redis');
const shared = require('../../lib/redis-server');

function startRedis() {
  return shared.startRedis(undefined, { tmpPrefix: 'rpsio-cluster-redis-', stopTimeoutMs: 3000, createClient });
}

module.exports = { startRedis, freePort: shared.freePort };
