// Two headless Chromium pages play a whole game of gold mining on the demo
// page served by a real rpsio binary (3×3 board, 2 gold): one opens a room,
// the other finds it in the lobby and joins, they take turns digging until
// `over`, one reloads mid-game and keeps the seat, and the scores read off
// the page must match the gold each page saw dug. Needs RPSIO_BIN (set by
// .ci/node-tests) and Debian's chromium.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, launchBrowser } = require('./server');

const WIDTH = 3;
const HEIGHT = 3;
const GOLD = 2;

// What a page shows of the game, read from the DOM.
function snapshot(page) {
  return page.evaluate(() => {
    const g = document.querySelector('#gold-game');
    const cells = Array.from(document.querySelectorAll('#gold-board .cell')).map((c) => ({
      x: Number(c.dataset.x), y: Number(c.dataset.y), state: c.dataset.state,
      value: c.dataset.value === undefined ? null : Number(c.dataset.value), by: c.dataset.by || null,
    }));
    const scores = {};
    document.querySelectorAll('#gold-players tbody tr').forEach((tr) => {
      scores[tr.dataset.player] = Number(tr.querySelector('td.score').textContent);
    });
    return {
      state: g.dataset.state, me: g.dataset.me, turn: g.dataset.turn, myTurn: g.dataset.myTurn === '1',
      deadline: g.dataset.turnDeadline, opened: Number(g.dataset.opened || 0),
      room: document.querySelector('#gold-room-id').textContent,
      remaining: Number(document.querySelector('#gold-remaining').textContent),
      total: Number(document.querySelector('#gold-total').textContent),
      cells, scores, error: document.querySelector('#gold-error').textContent,
    };
  });
}

test('two browser pages play a whole game of gold mining on the demo page', { timeout: 120000 }, async () => {
  const { proc, url } = await startServer(['--gold-width', String(WIDTH), '--gold-height', String(HEIGHT),
    '--gold-count', String(GOLD), '--gold-turn', '30s', '--token-secret', 'browser-test']);
  after(() => proc.kill('SIGKILL'));
  const browser = await launchBrowser();
  const errors = [];
  let passed = false;
  const pages = {};
  // On failure, say what each page showed; then close the browser.
  after(async () => {
    if (!passed) {
      for (const [name, page] of Object.entries(pages)) {
        const text = await page.locator('main').innerText().catch(() => '(page gone)');
        process.stderr.write(`--- ${name}'s page at the end:\n${text}\n`);
      }
    }
    await browser.close();
  });
  async function open(name) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
    await page.goto(url + '/#gold');
    await page.waitForSelector('#gold-view:not([hidden])');
    await page.fill('#gold-name', name);
    pages[name] = page;
    return page;
  }

  // Ann opens a room; the RPS view is hidden behind the gold tab.
  const ann = await open('ann');
  assert.equal(await ann.isHidden('#rps-view'), true);
  await ann.selectOption('#gold-size', '2');
  await ann.click('#gold-play');
  await ann.waitForSelector('#gold-game[data-state="waiting"]');
  const roomId = await ann.textContent('#gold-room-id');
  assert.ok(roomId);
  assert.match(await ann.textContent('#gold-turn-text'), /Waiting for players \(1\/2\)/);

  // The HTTP lobby lists it under game=gold only.
  const listed = (await (await fetch(url + '/api/rooms?game=gold')).json()).rooms;
  assert.deepEqual(listed.filter((r) => r.id === roomId).map((r) => [r.size, r.state, r.players]), [[2, 'waiting', 1]]);
  const rps = (await (await fetch(url + '/api/rooms?game=rps')).json()).rooms;
  assert.equal(rps.filter((r) => r.id === roomId).length, 0);
  const all = (await (await fetch(url + '/api/rooms')).json()).rooms;
  assert.deepEqual(all.filter((r) => r.id === roomId).map((r) => r.game), ['gold']);

  // Bob sees the room in the lobby and joins it from the list.
  const bob = await open('bob');
  const row = `#gold-rooms tbody tr[data-room="${roomId}"]`;
  await bob.waitForSelector(`${row} button.join-room`);
  assert.match(await bob.textContent(row), /1\/2\s*waiting/);
  await bob.click(`${row} button.join-room`);

  for (const page of [ann, bob]) {
    await page.waitForSelector('#gold-game[data-state="playing"][data-turn]:not([data-turn=""])');
    assert.equal(await page.textContent('#gold-room-id'), roomId);
    assert.equal(await page.locator('#gold-players tbody tr').count(), 2);
  }
  const a0 = await snapshot(ann);
  const b0 = await snapshot(bob);
  assert.equal(a0.cells.length, WIDTH * HEIGHT);
  assert.ok(a0.cells.every((c) => c.state === 'closed'));
  assert.equal(a0.total, GOLD);
  assert.equal(a0.remaining, GOLD);
  // Turns go in seat order from the first seat: Ann opened the room.
  assert.equal(a0.turn, a0.me);
  assert.equal(b0.turn, a0.me);
  assert.equal(a0.myTurn, true);
  assert.equal(b0.myTurn, false);
  assert.match(await ann.textContent('#gold-turn-text'), /Your turn/);
  assert.match(await bob.textContent('#gold-turn-text'), /ann’s turn/);
  assert.match(await bob.textContent('#gold-countdown'), /\d+\.\d s left/);
  assert.equal(await bob.locator('#gold-board .cell:not([disabled])').count(), 0, 'no cell can be dug out of turn');

  const ids = { [a0.me]: 'ann', [b0.me]: 'bob' };
  const byId = { [a0.me]: ann, [b0.me]: bob };
  const dug = { [a0.me]: 0, [b0.me]: 0 }; // gold the pages saw each player dig

  // Every dig is answered by `dug` and then `turn` (or `over`): wait until
  // both pages show the new cell(s) and the new turn.
  async function settled(before) {
    for (const page of [ann, bob]) {
      await page.waitForFunction((b) => {
        const g = document.querySelector('#gold-game');
        return g.dataset.state === 'over' ||
          (Number(g.dataset.opened) > b.opened && g.dataset.turnDeadline !== b.deadline);
      }, before);
    }
  }

  let moves = 0;
  for (;;) {
    const s = await snapshot(ann);
    if (s.state === 'over') break;
    assert.ok(moves < WIDTH * HEIGHT, 'the game ends within one dig per cell');
    assert.equal(s.state, 'playing');
    const mover = byId[s.turn];
    const m = await snapshot(mover);
    assert.equal(m.myTurn, true, `${ids[s.turn]}'s page shows it is their turn`);
    const cell = m.cells.find((c) => c.state === 'closed');
    await mover.click(`#gold-board .cell[data-x="${cell.x}"][data-y="${cell.y}"]`);
    await settled({ opened: m.opened, deadline: m.deadline });
    moves++;
    const after1 = await snapshot(mover);
    const other = await snapshot(mover === ann ? bob : ann);
    const c1 = after1.cells.find((c) => c.x === cell.x && c.y === cell.y);
    assert.notEqual(c1.state, 'closed', 'the dug cell is open');
    assert.deepEqual(other.cells, after1.cells, 'both pages show the same board');
    if (c1.state === 'gold') {
      assert.equal(c1.by, s.turn, 'the gold is marked with its digger');
      dug[s.turn]++;
    } else {
      assert.ok(c1.value >= 0 && c1.value <= GOLD, 'a number cell shows how much gold is around');
    }
    assert.equal(after1.remaining, GOLD - dug[a0.me] - dug[b0.me]);
    assert.equal(after1.error, '');
    if (after1.state === 'playing') {
      assert.notEqual(after1.turn, s.turn, 'the turn passed to the other player');
    }

    if (moves === 2) {
      // Bob reloads the page: the token in sessionStorage brings him back to
      // his seat, with the board as it was.
      const before = await snapshot(ann);
      await bob.reload();
      await bob.waitForSelector(`#gold-game[data-state="${before.state}"]`);
      await bob.waitForFunction((n) => Number(document.querySelector('#gold-game').dataset.opened) === n, before.opened);
      const back = await snapshot(bob);
      assert.equal(back.room, roomId);
      assert.equal(back.me, b0.me, 'same player after the reload');
      assert.deepEqual(back.cells, before.cells);
      assert.deepEqual(back.scores, before.scores);
      await ann.waitForSelector(`#gold-players tr[data-player="${b0.me}"]:not(.offline)`);
    }
  }

  // Game over on both pages; the scores on the page are the gold each page saw dug.
  assert.equal(dug[a0.me] + dug[b0.me], GOLD);
  const best = Math.max(dug[a0.me], dug[b0.me]);
  const winners = Object.keys(dug).filter((id) => dug[id] === best).map((id) => ids[id]).sort();
  for (const page of [ann, bob]) {
    await page.waitForSelector('#gold-game[data-state="over"] #gold-over:not([hidden])');
    const s = await snapshot(page);
    assert.deepEqual(s.scores, dug);
    assert.equal(s.remaining, 0);
    assert.equal(s.cells.filter((c) => c.state === 'gold').length, GOLD);
    for (const id of Object.keys(dug)) {
      assert.equal(s.cells.filter((c) => c.by === id).length, dug[id]);
    }
    const lines = (await page.locator('#gold-over .line').allTextContents()).sort();
    assert.deepEqual(lines, [`ann: ${dug[a0.me]} gold`, `bob: ${dug[b0.me]} gold`]);
    const heading = await page.textContent('#gold-over h3');
    assert.match(heading, winners.length > 1 ? /shared win for (ann, bob|bob, ann)/ : new RegExp(`won by ${winners[0]}`));
    assert.equal(await page.textContent('#gold-turn-text'), 'Game over');
    assert.equal(await page.locator('#gold-board .cell:not([disabled])').count(), 0);
  }
  const overList = (await (await fetch(url + '/api/rooms?game=gold')).json()).rooms;
  assert.deepEqual(overList.filter((r) => r.id === roomId).map((r) => r.state), ['over']);

  // Leaving returns to the lobby.
  await ann.click('#gold-leave');
  await ann.waitForSelector('#gold-lobby:not([hidden])');
  assert.deepEqual(errors, []);
  passed = true;
});
