'use strict';
// Waits on events with a timeout as a failure guard only: nothing here sleeps for a fixed time.
const interop = require('../../interop/lib/wait');

const TIMEOUT_MS = 10000;
const { withTimeout } = interop;

// Resolves with the arguments of the next `event`; rejects on one of `failOn` (test/interop's
// once, with this suite's longer default timeout).
function once(emitter, event, opts = {}) {
  return interop.once(emitter, event, { timeout: TIMEOUT_MS, ...opts });
}

// Resolves when cond() holds, checked each time `event` fires on emitter.
function until(emitter, event, cond, what, timeout = TIMEOUT_MS) {
  if (cond()) return Promise.resolve();
  let on;
  const p = new Promise((resolve) => {
    on = () => { if (cond()) resolve(); };
    emitter.on(event, on);
  });
  return withTimeout(p, timeout, what).finally(() => emitter.off(event, on));
}

function emitWithAck(socket, event, ...args) {
  return withTimeout(new Promise((resolve) => socket.emit(event, ...args, (...reply) => resolve(reply))), TIMEOUT_MS, `ack of "${event}"`);
}

module.exports = { TIMEOUT_MS, withTimeout, once, until, emitWithAck };
