'use strict';
// socket.io-client 4.x against every server (reference + $CONFORMANCE_BIN) over websocket,
// polling, and polling then upgrade. The scenarios live in lib/client-suite.js.
require('./lib/client-suite').defineClientSuite('v4');
