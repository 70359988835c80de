'use strict';
// The same SDK suite against rpsio's Go server (CONFORMANCE_BIN).
const { test } = require('node:test');
const defineSuite = require('./suite');
const { conformanceDef } = require('./helpers/servers');

const def = conformanceDef();
if (def) {
  defineSuite(def, 'wx');
  defineSuite(def, 'websocket');
} else {
  test('SDK suite against rpsio (CONFORMANCE_BIN)', (t) => {
    t.skip('CONFORMANCE_BIN is not set: build the Go conformance server and set CONFORMANCE_BIN to run the suite against rpsio');
  });
}
