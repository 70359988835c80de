// Preloaded into the Node reference server by load.js (node --expose-gc -r
// gc-preload.js server.js): SIGUSR2 runs a full collection and prints
// "gc done", so that the server's memory is read without its uncollected
// garbage. The server itself is unchanged.
'use strict';
process.on('SIGUSR2', () => {
  global.gc(); // a full, compacting collection (twice: weak callbacks run after the first)
  global.gc();
  process.stdout.write('gc done\n');
});
