'use strict';
// The shipped bundle: up to date with src/, ES2015 only, no eval/Function/
// window/DOM, and working inside a sandbox that has nothing but `wx` and
// timers, with code generation from strings disabled (like mini-games).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const acorn = require('acorn');
const WebSocket = require('ws');
const { build } = require('../scripts/build');
const { createFakeWx } = require('./helpers/fake-wx');
const { referenceDef, startServer } = require('./helpers/servers');

const root = path.resolve(__dirname, '..');
const DIST = ['dist/index.js', 'browser/rpsio.min.js'];

function read(name) {
  return fs.readFileSync(path.join(root, name), 'utf8');
}

describe('dist bundle', () => {
  it('is up to date with src/ (run `npm run build` and commit dist/)', () => {
    const files = build();
    for (const name of DIST) assert.equal(read(name), files[name], name + ' is stale');
  });

  it('parses as ES2015 (no later syntax)', () => {
    for (const name of DIST) {
      assert.doesNotThrow(() => acorn.parse(read(name), { ecmaVersion: 2015, sourceType: 'script' }), name);
    }
  });

  it('uses no eval, Function, window, document, XMLHttpRequest or globalThis', () => {
    for (const name of DIST) {
      const code = read(name);
      for (const bad of [/\beval\s*\(/, /\bFunction\s*\(/, /\bwindow\b/, /\bdocument\b/, /\bXMLHttpRequest\b/, /\bglobalThis\b/]) {
        assert.doesNotMatch(code, bad, name + ' contains ' + bad);
      }
    }
  });

  it('package.json points the WeChat devtools and Node at dist/', () => {
    const pkg = require('../package.json');
    assert.equal(pkg.miniprogram, 'dist');
    assert.equal(pkg.main, 'dist/index.js');
    assert.equal(pkg.types, 'index.d.ts');
    assert.deepEqual(Object.keys(pkg.dependencies || {}), [], 'no runtime dependencies');
    assert.deepEqual(fs.readdirSync(path.join(root, 'dist')), ['index.js'], 'dist/ holds only what a mini-program needs');
    const io = require('..');
    assert.equal(typeof io, 'function');
    assert.equal(typeof io.io, 'function');
    assert.equal(typeof io.WxSocketIO, 'function');
  });
});

describe('dist bundle in a mini-game-like sandbox (no eval, no Function, only wx)', () => {
  let server;
  before(async () => {
    server = await startServer(referenceDef());
  });
  after(async () => {
    if (server) await server.stop();
  });

  it('connects, emits with binary and ack, receives, disconnects', async () => {
    const wx = createFakeWx();
    const sandbox = { wx, setTimeout, clearTimeout, console };
    const ctx = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } });
    // prove the sandbox really forbids code generation
    assert.throws(() => vm.runInContext('new Function("return 1")', ctx), /Code generation from strings disallowed/);
    const module = { exports: {} };
    vm.runInContext('(function (module, exports) {' + read('dist/index.js') + '\n})', ctx)(module, module.exports);
    const io = module.exports;
    assert.equal(typeof io, 'function');
    const socket = io(server.url + '/custom', { auth: { sandbox: true }, forceNew: true });
    try {
      const auth = await new Promise((resolve, reject) => {
        socket.on('auth', resolve);
        socket.on('connect_error', reject);
      });
      assert.deepEqual(JSON.parse(JSON.stringify(auth)), { sandbox: true });
      // ArrayBuffers of the sandbox's own realm
      const buf = vm.runInContext('new Uint8Array([1, 2, 3]).buffer', ctx);
      const acked = await socket.emitWithAck('message-with-ack', { buf });
      assert.equal(Object.prototype.toString.call(acked.buf), '[object ArrayBuffer]');
      assert.deepEqual(Array.from(new Uint8Array(acked.buf)), [1, 2, 3]);
      assert.equal(wx.tasks.length, 1);
      assert.deepEqual(wx.globalApiCalls, []);
    } finally {
      socket.disconnect();
      wx.destroy();
    }
  });

  it('browser build (browser/rpsio.min.js, global `rpsio`) runs on the standard WebSocket', async () => {
    const sandbox = { WebSocket, setTimeout, clearTimeout, console };
    const ctx = vm.createContext(sandbox, { codeGeneration: { strings: false, wasm: false } });
    vm.runInContext(read('browser/rpsio.min.js'), ctx);
    const io = vm.runInContext('rpsio', ctx);
    assert.equal(typeof io, 'function');
    const socket = io(server.url, { auth: { browser: 1 }, forceNew: true });
    try {
      const auth = await new Promise((resolve, reject) => {
        socket.on('auth', resolve);
        socket.on('connect_error', reject);
      });
      assert.equal(auth.browser, 1);
      const echoed = await socket.emitWithAck('message-with-ack', 'hi');
      assert.equal(echoed, 'hi');
    } finally {
      socket.disconnect();
    }
  });
});
