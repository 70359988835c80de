'use strict';
// Wall clock used for heartbeat and staleness decisions. Timers are frozen
// while a mini-program is in the background, the wall clock is not.
// Tests replace `now` to simulate time spent in the background.
const clock = {
  now() {
    return Date.now();
  },
};
module.exports = clock;
