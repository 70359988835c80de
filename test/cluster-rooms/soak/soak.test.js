'use strict';
// The soak: SOAK_PLAYERS (default 1,000) players, half on each of 2 nodes, matched in rooms of
// 2 (same-node and cross-node rooms alike), play for SOAK_SECONDS (default 60): most rounds
// settled early, the others at the deadline. Then zero duplicated or missing results, every
// acknowledged move in its result, identical results on both players' nodes, scores by the
// reference rules, nobody disconnected, and every deadline-settled round delivered within 2 s
// of its deadline. Runs alone (its own `node --test` after the other files; see package.json).
//
//   SOAK_SECONDS=600 SOAK_PLAYERS=2000 npm test   # longer, bigger
//   SOAK_JOIN_BATCH=1                              # joins one at a time (default 50 in flight)
//   SOAK_RECOVERY_WINDOW=0                         # the nodes' --recovery-window (default: theirs)
//   SOAK_NODE_ARGS='--pprof-addr 127.0.0.1:0'      # more flags for both nodes (profiling)
//   SOAK_ROAMERS=20                                # players who keep dropping (recovery on only)
//
// With recovery on, SOAK_ROAMERS players connect through a TCP proxy of their own (their load
// balancer) and, every few seconds, switch it to the other node and cut their transport: the
// client reconnects 1 s later through the other node, and must be recovered each time (same
// socket id) with no result missed or duplicated.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { startCluster, waitUntil } = require('../lib/cluster');
const { startProxy } = require('../../recovery/lib/proxy');
const { Bot, verify, percentile } = require('../lib/bot');

const PLAYERS = Number(process.env.SOAK_PLAYERS || 1000);
const SECONDS = Number(process.env.SOAK_SECONDS || 60);
const ROUND_MS = 2000;
const BOUND_MS = 2000;
const BATCH = 50; // connections opened at once
const JOIN_BATCH = Number(process.env.SOAK_JOIN_BATCH || 50); // joins in flight at once
const RECOVERY = process.env.SOAK_RECOVERY_WINDOW; // --recovery-window of the nodes, if set
const NODE_ARGS = (process.env.SOAK_NODE_ARGS || '').split(/\s+/).filter(Boolean);
const RECOVERY_OFF = RECOVERY === '0' || RECOVERY === '0s';
const ROAMERS = RECOVERY_OFF ? 0 : Number(process.env.SOAK_ROAMERS || 20);

it(`soak: ${PLAYERS} players on 2 nodes for ${SECONDS} s, zero duplicated or missing results`, { timeout: (SECONDS + 240) * 1000 }, async (t) => {
  assert.ok(PLAYERS >= 2 && PLAYERS % 2 === 0, 'SOAK_PLAYERS: an even number');
  const c = await startCluster(t, { nodes: 2, roundDuration: `${ROUND_MS}ms`, roundGap: '300ms', grace: '30s', name: 'soak',
    extraArgs: [...(RECOVERY === undefined ? [] : ['--recovery-window', RECOVERY]), ...NODE_ARGS] });
  const bots = [];
  const proxies = [];
  t.after(async () => {
    for (const b of bots) b.close();
    for (const p of proxies) await p.close();
  });
  for (let k = 0; k < ROAMERS; k++) proxies.push(await startProxy(c.nodes[k % 2].port));
  const t0 = Date.now();
  for (let i = 0; i < PLAYERS; i += BATCH) {
    const batch = [];
    for (let k = i; k < Math.min(PLAYERS, i + BATCH); k++) {
      const node = c.nodes[k % 2];
      const roaming = k < ROAMERS;
      batch.push(new Bot(node, { name: `soak-${k}`, label: `soak-${k}@${node.label}${roaming ? '+roaming' : ''}`, roaming, url: roaming ? proxies[k].url : undefined }));
    }
    bots.push(...batch);
    await Promise.all(batch.map((b) => b.connected()));
  }
  const connectedMs = Date.now() - t0;
  // Joins JOIN_BATCH at a time, through both nodes at once: matchmaking under contention.
  for (let i = 0; i < bots.length; i += JOIN_BATCH) await Promise.all(bots.slice(i, i + JOIN_BATCH).map((b) => b.join(2)));
  await waitUntil(() => bots.every((b) => b.rounds.size > 0), { timeout: 30000, what: 'every room started' }).catch(async (err) => {
    const waiting = (await c.nodes[0].api('/api/rooms?limit=1000')).rooms.filter((r) => r.state === 'waiting');
    assert.fail(`${err.message}: ${bots.filter((b) => !b.rounds.size).length} players never got a start; `
      + `${waiting.length} rooms waiting (${waiting.filter((r) => r.players === 1).length} with one player); `
      + `events refused by the contract check: ${JSON.stringify(bots.flatMap((b) => b.problems).slice(0, 3))}`);
  });
  // The counters the store keeps with every change (what /api/stats reads) match a scan of the
  // rooms, page by page.
  const scanned = [];
  for (let offset = 0; ; offset += 200) {
    const page = await c.nodes[1].api(`/api/rooms?limit=200&offset=${offset}`);
    scanned.push(...page.rooms);
    if (offset + 200 >= page.total) break;
  }
  const counted = await c.nodes[0].api('/api/stats');
  const scan = {
    rooms: scanned.length, players: scanned.reduce((n, r) => n + r.players, 0),
    waiting: scanned.filter((r) => r.state === 'waiting').length, playing: scanned.filter((r) => r.state === 'playing').length,
  };
  assert.deepEqual({ rooms: counted.rooms, players: counted.players, waiting: counted.waiting, playing: counted.playing }, scan,
    '/api/stats counters equal a scan of /api/rooms');
  assert.equal(scan.players, bots.length, 'every player seated once');
  const playingAt = Date.now();
  const joins = bots.map((b) => b.joinMs);
  t.diagnostic(`recovery window ${RECOVERY === undefined ? "the nodes' default" : RECOVERY}; ${PLAYERS} connected in ${connectedMs} ms, all seated and playing ${playingAt - t0} ms after the start; `
    + `join→ack p50 ${percentile(joins, 50)} ms, p99 ${percentile(joins, 99)} ms, max ${Math.max(...joins)} ms`);

  // The soak's length (not a wait for an event); meanwhile the roamers drop, every 3 to 6 s each,
  // and come back through the other node.
  let roams = 0;
  const roamers = bots.slice(0, ROAMERS);
  const roamTimers = roamers.map((b, k) => {
    let at = k % 2;
    const roam = () => {
      if (!b.socket.connected) return;
      at = 1 - at;
      proxies[k].switchTo(c.nodes[at].port);
      b.socket.io.engine.close();
      roams++;
    };
    return setInterval(roam, 3000 + Math.floor(Math.random() * 3000));
  });
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  for (const timer of roamTimers) clearInterval(timer);
  await waitUntil(() => roamers.every((b) => b.socket.connected), { timeout: 15000, what: 'every roamer back' });
  for (const b of bots) b.stop();
  // Everybody leaves: rooms end, so the cluster's settled count stops. "unavailable" means
  // "try again later" (the contract): a burst of 1,000 leaves may meet it; retry as a client would.
  let leaveRetries = 0;
  const leaveOnce = (b) => b.leave().catch((err) => ({ ok: false, error: { code: 'no_ack', message: err.message } }));
  const leaves = await Promise.all(bots.map(async (b) => {
    for (let attempt = 0; ; attempt++) {
      const ack = await leaveOnce(b);
      if (!ack || ack.ok === true || ack.error.code !== 'unavailable' || attempt === 20) return ack;
      leaveRetries++;
      await new Promise((r) => setTimeout(r, 250));
    }
  }));
  const refused = leaves.filter((a) => !a || a.ok !== true);
  assert.deepEqual(refused.slice(0, 3), [], `${refused.length} leaves refused (first 3 shown)`);
  await waitUntil(async () => (await c.nodes[1].api('/api/rooms')).rooms.length === 0, { timeout: 15000, what: 'every room gone' });
  const stats = await c.nodes[0].api('/api/stats');

  const v = verify(bots);
  // Deadline→result of the players who stayed (a roamer's result may come with its replay).
  const latencies = bots.slice(ROAMERS).flatMap((b) => b.latencies);
  const reorders = bots.reduce((n, b) => n + b.reorders, 0);
  const disconnects = bots.slice(ROAMERS).filter((b) => b.disconnects.length).map((b) => `${b.label}: ${b.disconnects}`);
  const reconnects = roamers.flatMap((b) => b.reconnects);
  const notRecovered = roamers.filter((b) => b.reconnects.length !== b.disconnects.length || b.reconnects.some((r) => !r.recovered || !r.sameId))
    .map((b) => `${b.label}: dropped ${b.disconnects.length} times (${[...new Set(b.disconnects)]}), back ${JSON.stringify(b.reconnects)}`);
  const refusedCodes = {};
  for (const b of bots) {
    for (const r of b.rounds.values()) {
      if (r.ack && r.ack.ok !== true) {
        const code = (r.ack.error && r.ack.error.code) || JSON.stringify(r.ack);
        refusedCodes[code] = (refusedCodes[code] || 0) + 1;
      }
    }
  }
  const lateAcks = JSON.stringify(refusedCodes);
  t.diagnostic(`${v.rooms} rooms, ${v.rounds} rounds, ${v.results} results received; duplicated ${v.duplicates}, missing ${v.missing}, lost moves ${v.lostMoves}; `
    + `roundsSettled ${stats.roundsSettled}; refused chooses ${lateAcks}; leaves retried after "unavailable" ${leaveRetries}; out-of-order room events ${reorders}; `
    + `events with a recovery offset ${bots.reduce((n, b) => n + b.kept, 0)}; `
    + `${ROAMERS} roamers dropped ${roams} times, came back ${reconnects.length} times, recovered ${reconnects.filter((r) => r.recovered).length}; `
    + `deadline→result p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${Math.max(...latencies)} ms over ${latencies.length}`);
  // Recovery on (the nodes' default) or off (SOAK_RECOVERY_WINDOW=0): every player's events
  // carried their offsets, or none did, so the soak measured what it says.
  const kept = bots.filter((b) => b.kept > 0).length;
  if (RECOVERY_OFF) assert.equal(kept, 0, 'recovery off: no event carries an offset');
  else assert.equal(kept, bots.length, 'recovery on: every player got events with their offsets');
  assert.deepEqual(notRecovered.slice(0, 3), [], `${notRecovered.length} roamers not recovered every time (first 3 shown)`);
  if (ROAMERS) assert.ok(reconnects.length >= ROAMERS, `${reconnects.length} reconnections: the roamers roamed`);
  assert.deepEqual(v.failures, [], 'the results as counted');
  assert.equal(v.duplicates, 0, 'duplicated results');
  assert.equal(v.missing, 0, 'missing results');
  assert.equal(v.rooms, PLAYERS / 2, 'rooms formed');
  assert.ok(v.rounds >= v.rooms * (Math.floor((SECONDS * 1000) / (ROUND_MS + 300)) - 1), `${v.rounds} rounds: the rooms kept playing`);
  // A round settled as the players were leaving may have reached nobody: at most one per room.
  assert.deepEqual([stats.rooms, stats.players, stats.waiting, stats.playing, stats.over], [0, 0, 0, 0, 0], 'counters back to 0 once everyone left');
  assert.ok(stats.roundsSettled >= v.rounds && stats.roundsSettled <= v.rounds + v.rooms,
    `roundsSettled ${stats.roundsSettled} vs ${v.rounds} rounds whose result the players saw (${v.rooms} rooms)`);
  assert.deepEqual(disconnects, [], 'nobody was disconnected');
  assert.ok(latencies.length > 0, 'some rounds were settled at their deadline');
  assert.ok(Math.max(...latencies) <= BOUND_MS, `every deadline-settled result within ${BOUND_MS} ms (max ${Math.max(...latencies)} ms)`);
});
