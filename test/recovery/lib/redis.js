'use strict';
// A real redis-server on a free loopback port, persistence off, for one test file.
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnUntil } = require('./servers');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const bin = process.env.REDIS_SERVER || 'redis-server';
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rpsio-recovery-redis-'));
  const p = await spawnUntil('redis-server', bin, [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--loglevel', 'notice',
  ], /Ready to accept connections/);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await p.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startRedis, freePort };
