'use strict';
// Event waiting with failure guards. Nothing here sleeps for a fixed time: every wait resolves
// on the event itself, and the timeout only turns a hang into a readable failure.

const DEFAULT_TIMEOUT_MS = 5000;

function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

function off(emitter, event, fn) {
  if (typeof emitter.off === 'function') emitter.off(event, fn);
  else emitter.removeListener(event, fn);
}

// Resolves with the listener's arguments (an array) on the next `event`. Rejects if one of
// `failOn` events fires first (e.g. connect_error), or on timeout.
function once(emitter, event, { timeout = DEFAULT_TIMEOUT_MS, failOn = [], what } = {}) {
  const label = what || `"${event}"`;
  let cleanup;
  const p = new Promise((resolve, reject) => {
    const onEvent = (...args) => { cleanup(); resolve(args); };
    const fails = failOn.map((name) => {
      const fn = (...args) => {
        cleanup();
        const detail = args.map((a) => (a instanceof Error ? `${a.message} ${JSON.stringify(a.data)}` : JSON.stringify(a))).join(', ');
        reject(new Error(`got "${name}" (${detail}) while waiting for ${label}`));
      };
      emitter.on(name, fn);
      return [name, fn];
    });
    cleanup = () => {
      off(emitter, event, onEvent);
      for (const [name, fn] of fails) off(emitter, name, fn);
    };
    emitter.on(event, onEvent);
  });
  return withTimeout(p, timeout, label).finally(() => cleanup());
}

// Emits with an acknowledgement callback; resolves with the ack arguments. Fails at once if
// the socket disconnects meanwhile (with the reason), rather than timing out.
function emitWithAck(socket, event, ...args) {
  let onDisconnect;
  const p = new Promise((resolve, reject) => {
    onDisconnect = (reason) => reject(new Error(`got "disconnect" (${reason}) while waiting for the ack of "${event}"`));
    socket.on('disconnect', onDisconnect);
    socket.emit(event, ...args, (...reply) => resolve(reply));
  });
  return withTimeout(p, DEFAULT_TIMEOUT_MS, `ack of "${event}"`).finally(() => off(socket, 'disconnect', onDisconnect));
}

// Rejects when the socket disconnects (for racing against waits that are not plain once()).
function rejectOnDisconnect(socket, what) {
  return new Promise((_, reject) => {
    socket.on('disconnect', (reason) => reject(new Error(`got "disconnect" (${reason}) while waiting for ${what}`)));
  });
}

// Records every occurrence of `event` (listener arguments as arrays).
function record(emitter, event) {
  const seen = [];
  emitter.on(event, (...args) => seen.push(args));
  return seen;
}

// A promise plus its resolve function, for "resolve when the Nth thing arrived" waits.
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

module.exports = { DEFAULT_TIMEOUT_MS, withTimeout, once, emitWithAck, record, deferred, rejectOnDisconnect };
