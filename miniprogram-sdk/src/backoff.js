'use strict';
// Exponential backoff with jitter, same defaults and formula as socket.io-client:
// delay = min * 2^attempt, moved up or down by up to `jitter` of itself, capped at max.
class Backoff {
  constructor(opts) {
    opts = opts || {};
    this.min = opts.min != null ? opts.min : 1000;
    this.max = opts.max != null ? opts.max : 5000;
    this.jitter = opts.jitter != null ? opts.jitter : 0.5;
    this.factor = 2;
    this.attempts = 0;
    this.random = opts.random || Math.random;
  }

  duration() {
    let ms = this.min * Math.pow(this.factor, this.attempts++);
    if (this.jitter > 0) {
      const rand = this.random();
      const deviation = Math.floor(rand * this.jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.max(0, Math.min(ms, this.max)) | 0;
  }

  reset() {
    this.attempts = 0;
  }
}

module.exports = Backoff;
