'use strict';
// A real redis-server per test (test/lib/redis-server.js): persistence off, killed when the
// test ends, pass or fail, and when the test process exits.
//
//   const redis = await startRedis(t);
//   await redis.stop();            // SHUTDOWN SAVE: clients get "connection refused"...
//   await redis.start();           // ...until it is back on the same port, with the same data
//   redis.pause(); redis.resume(); // SIGSTOP / SIGCONT: connections open, nothing answers
//   await redis.cli('KEYS', '*');  // redis-cli, output lines
//
// The outage tests need the rooms to survive the restart, as a Redis with persistence (or a
// replica) would keep them: stop() saves a snapshot explicitly on the way down (SHUTDOWN SAVE)
// and start() loads it. Nothing is ever saved in between.
const shared = require('../../lib/redis-server');

// The handle is closed after `t` (a test context or a suite's hooks) when one is given.
function startRedis(t) {
  return shared.startRedis(t, { tmpPrefix: 'rpsio-cluster-rooms-redis-', snapshotOnStop: true, stopTimeoutMs: 5000 });
}

module.exports = { startRedis, freePort: shared.freePort };
