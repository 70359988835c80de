'use strict';
// A real redis-server on a free loopback port, persistence off, for one test file
// (test/lib/redis-server.js); stop() also removes its directory.
const shared = require('../../lib/redis-server');

async function startRedis() {
  const h = await shared.startRedis(undefined, { tmpPrefix: 'rpsio-recovery-redis-' });
  return { url: h.url, port: h.port, stop: () => h.close() };
}

module.exports = { startRedis, freePort: shared.freePort };
