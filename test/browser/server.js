// Shared by the browser tests: a real rpsio binary ($RPSIO_BIN) on a free
// port, and Debian's headless Chromium.
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// Starts rpsio on 127.0.0.1:0 with the given extra flags; resolves with the
// process and its URL once it logs the address it listens on.
function startServer(args) {
  const bin = process.env.RPSIO_BIN;
  assert.ok(bin, 'RPSIO_BIN must point to a built rpsio binary (make nodetest sets it)');
  const proc = spawn(bin, ['--addr', '127.0.0.1:0'].concat(args || []), { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk) => {
      buf += chunk;
      const m = buf.match(/"msg":"rpsio listening","addr":"[^"]*:(\d+)"/);
      if (m) { proc.stderr.off('data', onData); proc.stderr.resume(); resolve({ proc, url: `http://127.0.0.1:${m[1]}` }); }
    };
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`rpsio exited early with ${code}: ${buf}`)));
  });
}

function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

module.exports = { startServer, launchBrowser };
