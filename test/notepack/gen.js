// Writes, as JSON, each case of cases.js encoded by notepack.io: the hex of
// small encodings, the length and SHA-256 of large ones.
'use strict';
const crypto = require('crypto');
const { encode } = require('notepack.io');
const cases = require('./cases');

function generate() {
  const out = {};
  for (const [name, value] of Object.entries(cases)) {
    const buf = encode(value);
    out[name] = buf.length <= 1024
      ? { hex: buf.toString('hex') }
      : { length: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex') };
  }
  return JSON.stringify(out, null, 1) + '\n';
}

module.exports = { generate };
if (require.main === module) process.stdout.write(generate());
