'use strict';
// --round-gap 0 means "no pause between rounds" (the flag allows 0: only a negative gap is
// rejected). It once gave the 3 s default, because rooms.Options read a zero RoundGap as unset.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startServer } = require('./lib/server');
const { fillRoom, resultOf, chooseAll } = require('./lib/game');

it('--round-gap 0: the next round opens right after the result', async (t) => {
  const server = await startServer(t, { roundDuration: '10s', roundGap: '0s' });
  const { players } = await fillRoom(t, server, 2, { prefix: 'nogap' });
  await chooseAll(players, 1, ['rock', 'paper']);
  const { lastAt } = await resultOf(players, 1);
  const next = await players[0].nextEntry('start', (s) => s.round === 2, { timeout: 1500, what: 'the next "start" (gap 0)' });
  assert.ok(next.at - lastAt < 1000, `next round opened ${next.at - lastAt} ms after the result`);
});
