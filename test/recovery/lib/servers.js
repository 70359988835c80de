'use strict';
// The servers under test, test/interop's (lib/servers.js there): "reference"
// (test/reference/server.js, the official socket.io 4.8 with connectionStateRecovery) always,
// "go" ($CONFORMANCE_BIN, socketio/conformance) whenever that variable is set. Both take
// `--mode socket --addr 127.0.0.1:0 --recovery DURATION` and print "listening <port>".
// spawnUntil (test/lib/spawn.js) starts the other processes (the Node peer).
const interop = require('../../interop/lib/servers');
const { spawnUntil } = require('../../lib/spawn');

const { SERVERS } = interop;
const GO = SERVERS.find((s) => s.name === 'go');

// startServer starts one server with extra arguments (e.g. ['--recovery', '3s']).
function startServer(server, extra = []) {
  return interop.startServer(server, 'socket', { args: extra });
}

module.exports = { SERVERS, GO, spawnUntil, startServer };
