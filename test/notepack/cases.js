// The JavaScript values whose notepack.io encoding the Go codec must match
// byte for byte. adapter/internal/notepack/golden_test.go holds the same
// cases, by name, as Go values.
'use strict';

const big = (n, f) => Array.from({ length: n }, (_, i) => f(i));

module.exports = {
  // The example of shared/specs/redis-adapter-wire.md §1.2.
  'broadcast-example': ['abcdef', { type: 2, data: ['ev', 1, Buffer.from([1, 2])], nsp: '/' }, { rooms: ['r1'], except: [], flags: {} }],
  'broadcast-flags': ['abcdef', { type: 2, data: ['ev', 'x', 2.5, null, true, { a: [1, -1] }], nsp: '/custom' },
    { rooms: [], except: ['sid1', 'sid2'], flags: { volatile: true, timeout: 2000 } }],
  'emitter-broadcast': ['emitter', { type: 2, data: ['hi'], nsp: '/' }, { rooms: ['a', 'b'], flags: {}, except: [] }],
  'broadcast-ack-request': { uid: 'abcdef', requestId: 'PWC9bl', type: 7, packet: { type: 2, data: ['question', 'q?'], nsp: '/' },
    opts: { rooms: [], except: [], flags: { timeout: 2000 } } },
  'broadcast-ack-response': { type: 9, requestId: 'PWC9bl', packet: 'ans-Lld' },
  'broadcast-ack-binary': { type: 9, requestId: 'PWC9bl', packet: Buffer.from('bin') },

  'ints-positive': [0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991, 2 ** 62, 2 ** 63],
  'ints-negative': [-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -9007199254740991, -(2 ** 63)],
  'ints-beyond-64-bits': [2 ** 64, 1e20, -(2 ** 64), -1e20, 1.7976931348623157e308],
  'floats': [0.5, -1.5, 3.14, 1e-7, -0.1, 1e300 + 0.5, 5e-324],
  'not-finite': [NaN, Infinity, -Infinity],
  'negative-zero': -0,
  'literals': [null, true, false],

  'str-empty': '',
  'str-fix': 'a'.repeat(31),
  'str-8': 'b'.repeat(32),
  'str-8-max': 'c'.repeat(255),
  'str-16': 'd'.repeat(256),
  'str-32': 'e'.repeat(65536),
  'str-unicode': 'héllo wörld ✓ 😀 中文',

  'bin-empty': Buffer.alloc(0),
  'bin-8': Buffer.from(big(255, (i) => i)),
  'bin-16': Buffer.from(big(256, (i) => i % 256)),
  'bin-32': Buffer.from(big(65536, (i) => (i * 7) % 256)),
  'uint8array': new Uint8Array([9, 8, 7]),

  'array-empty': [],
  'array-fix': big(15, (i) => i),
  'array-16': big(16, (i) => i),
  'array-32': big(65536, (i) => i % 3),
  'nested': [[[['deep']]], { a: { b: { c: [] } } }],

  'map-empty': {},
  'map-order': { z: 1, a: 2, m: [3] },
  'map-sorted': { a: 1, b: 'two', c: { d: null } },
  'map-16': Object.fromEntries(big(16, (i) => ['k' + String(i).padStart(2, '0'), i])),
  'map-skips-undefined': { a: undefined, b: 1, f() {} },

  'date-32': new Date(1700000000000),
  'date-64': new Date(1700000000123),
  'date-96-negative': new Date(-1),
  'date-96-far': new Date(2 ** 34 * 1000 + 5),
};
