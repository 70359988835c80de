// Two headless Chromium pages open the demo page served by a real rpsio
// binary, join a 2-player room, play a round and read the result off the
// page. Needs RPSIO_BIN (set by .ci/node-tests) and Debian's chromium.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launchBrowser } = require('./server');

test('two browser pages play a round of rock-paper-scissors on the demo page', { timeout: 60000 }, async () => {
  const { proc, url } = await startServer(['--round-duration', '5s', '--round-gap', '500ms', '--token-secret', 'browser-test']);
  after(() => proc.kill('SIGKILL'));
  const browser = await launchBrowser();
  after(() => browser.close());

  const errors = [];
  let passed = false;
  async function open(name) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
    await page.goto(url + '/');
    await page.fill('#name', name);
    return page;
  }
  const ann = await open('ann');
  const bob = await open('bob');
  // On failure, say what each page showed.
  after(async () => {
    if (passed) return;
    for (const [name, page] of [['ann', ann], ['bob', bob]]) {
      const text = await page.locator('main').innerText().catch(() => '(page gone)');
      process.stderr.write(`--- ${name}'s page at the end:\n${text}\n`);
    }
  });

  await ann.click('#join');
  await ann.waitForSelector('#game:not([hidden])');
  assert.equal(await ann.textContent('#state'), 'waiting');
  await bob.click('#join');

  // Both see the room fill and round 1 open.
  for (const page of [ann, bob]) {
    await page.waitForSelector('.move[data-move="rock"]:not([disabled])');
    assert.equal(await page.textContent('#round'), '1');
    assert.equal(await page.textContent('#state'), 'playing');
    assert.equal(await page.locator('#players tbody tr').count(), 2);
  }
  assert.equal(await ann.textContent('#room-id'), await bob.textContent('#room-id'));

  await ann.click('.move[data-move="rock"]');
  // Bob sees that Ann chose, without seeing what.
  await bob.waitForSelector('td.chosen:has-text("chosen")');
  assert.doesNotMatch(await bob.textContent('#players'), /rock/);
  await bob.click('.move[data-move="scissors"]');

  for (const page of [ann, bob]) {
    await page.waitForSelector('#result[data-round="1"] h3');
  }
  const lines = async (page) => page.locator('#result .line').allTextContents();
  const expected = ['ann: rock, x 1, score 1, total 1', 'bob: scissors, x -1, score 0, total 0'];
  assert.deepEqual((await lines(ann)).sort(), expected);
  assert.deepEqual((await lines(bob)).sort(), expected);
  assert.equal(await ann.textContent('#status'), 'You won the round');
  assert.equal(await bob.textContent('#status'), 'You lost the round');

  // The lobby API saw the round.
  const stats = await (await fetch(url + '/api/stats')).json();
  assert.equal(stats.roundsSettled, 1);
  assert.equal(stats.rooms, 1);
  assert.deepEqual(errors, []);
  passed = true;
});
