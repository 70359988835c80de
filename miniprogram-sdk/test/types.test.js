'use strict';
// index.d.ts compiles and accepts typical socket.io-client style code.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('child_process');
const path = require('path');

test('TypeScript types (tsc --noEmit --strict)', () => {
  const root = path.resolve(__dirname, '..');
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2015', '--module', 'commonjs', '--esModuleInterop', '--lib', 'es2015,dom', path.join(__dirname, 'types', 'usage.ts')],
      { cwd: root, stdio: 'pipe' }
    );
  } catch (err) {
    assert.fail('tsc failed:\n' + String(err.stdout) + String(err.stderr));
  }
});
