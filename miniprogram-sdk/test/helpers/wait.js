'use strict';
// Waiting on events (never fixed sleeps), with a timeout that fails the test.

// Resolves with the arguments of the next `event` emitted by `emitter`
// (anything with on/off), or rejects after `ms`.
function once(emitter, event, ms) {
  ms = ms || 5000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out after ' + ms + ' ms waiting for "' + event + '"'));
    }, ms);
    function handler() {
      clearTimeout(timer);
      off();
      resolve(Array.prototype.slice.call(arguments));
    }
    function off() {
      if (emitter.off) emitter.off(event, handler);
      else emitter.removeListener(event, handler);
    }
    emitter.on(event, handler);
  });
}

// Resolves once predicate() is true, checked whenever `emitter` emits one
// of `events` (and right away).
function until(predicate, ms, label) {
  ms = ms || 5000;
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error('timed out after ' + ms + ' ms waiting for ' + (label || predicate.toString())));
      }
    }, 5);
  });
}

// Collects every emission of `event` on `emitter` into an array of argument lists.
function record(emitter, event) {
  const list = [];
  emitter.on(event, function () {
    list.push(Array.prototype.slice.call(arguments));
  });
  return list;
}

// Resolves when `list` (from record()) has at least n entries.
function count(list, n, ms, label) {
  return until(() => list.length >= n, ms, label || n + ' events');
}

module.exports = { once, until, record, count };
