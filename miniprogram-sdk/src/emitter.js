'use strict';

// Reports an exception thrown by application code (a listener) without
// letting it break the SDK's own state machine: it is rethrown on a fresh
// stack so the platform's error reporting (wx.onError, console) still sees it.
function report(err) {
  setTimeout(() => {
    throw err;
  }, 0);
}

class Emitter {
  constructor() {
    this._listeners = Object.create(null);
  }

  on(event, fn) {
    (this._listeners[event] || (this._listeners[event] = [])).push(fn);
    return this;
  }

  addEventListener(event, fn) {
    return this.on(event, fn);
  }

  once(event, fn) {
    const self = this;
    function wrapper() {
      self.off(event, wrapper);
      fn.apply(self, arguments);
    }
    wrapper.fn = fn;
    return this.on(event, wrapper);
  }

  off(event, fn) {
    if (event === undefined) {
      this._listeners = Object.create(null);
      return this;
    }
    const list = this._listeners[event];
    if (!list) return this;
    if (fn === undefined) {
      delete this._listeners[event];
      return this;
    }
    for (let i = 0; i < list.length; i++) {
      if (list[i] === fn || list[i].fn === fn) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) delete this._listeners[event];
    return this;
  }

  removeListener(event, fn) {
    return this.off(event, fn);
  }

  removeAllListeners(event) {
    return this.off(event);
  }

  removeEventListener(event, fn) {
    return this.off(event, fn);
  }

  listeners(event) {
    return (this._listeners[event] || []).slice();
  }

  hasListeners(event) {
    return !!this._listeners[event];
  }

  // Calls the listeners of `event` locally. Never throws because of a listener.
  emitReserved(event) {
    const list = this._listeners[event];
    if (!list) return this;
    const args = Array.prototype.slice.call(arguments, 1);
    const copy = list.slice();
    for (let i = 0; i < copy.length; i++) {
      try {
        copy[i].apply(this, args);
      } catch (err) {
        report(err);
      }
    }
    return this;
  }

  emit() {
    return this.emitReserved.apply(this, arguments);
  }
}

Emitter.report = report;
module.exports = Emitter;
