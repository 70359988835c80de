'use strict';
// The SDK suite against the official socket.io 4.x server (test/reference).
const defineSuite = require('./suite');
const { referenceDef } = require('./helpers/servers');

defineSuite(referenceDef(), 'wx');
defineSuite(referenceDef(), 'websocket');
