'use strict';
// Waits on events with a timeout as a failure guard only: nothing here sleeps for a fixed time.
const TIMEOUT_MS = 10000;

function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

// Resolves with the arguments of the next `event`; rejects on one of `failOn`.
function once(emitter, event, { timeout = TIMEOUT_MS, failOn = [] } = {}) {
  let cleanup;
  const p = new Promise((resolve, reject) => {
    const on = (...args) => { cleanup(); resolve(args); };
    const fails = failOn.map((name) => {
      const fn = (err) => { cleanup(); reject(new Error(`got "${name}" (${err && err.message}) waiting for "${event}"`)); };
      emitter.on(name, fn);
      return [name, fn];
    });
    cleanup = () => {
      emitter.off(event, on);
      for (const [name, fn] of fails) emitter.off(name, fn);
    };
    emitter.on(event, on);
  });
  return withTimeout(p, timeout, `"${event}"`).finally(() => cleanup());
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
