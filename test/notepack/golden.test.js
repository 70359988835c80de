// The committed golden file is what notepack.io writes today: regenerate it
// with `npm run gen` if this fails after a notepack.io change, then make the
// Go codec match it again (go test ./adapter/internal/notepack).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { generate } = require('./gen');

test('golden.json matches notepack.io', () => {
  const file = path.join(__dirname, '../../adapter/internal/notepack/testdata/golden.json');
  assert.strictEqual(fs.readFileSync(file, 'utf8'), generate());
});
