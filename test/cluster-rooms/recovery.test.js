'use strict';
// Connection state recovery in a cluster of rpsio binaries (on by default, window
// --reconnect-grace): a player's transport drops for 1 s mid-round and the client (the official
// socket.io-client 4.x, reconnecting by itself) comes back through the other node, as a phone
// behind a load balancer would. It is recovered there: the same socket id, every room event
// emitted while it was away once (from the store, written by the node that emitted it), no
// catch-up, and play goes on. The other player, connected throughout, received the room's events
// live: the returning player's must be the same ones, each once.
const assert = require('node:assert/strict');
const { it } = require('node:test');
const { io } = require('socket.io-client');
const { startCluster, waitUntil } = require('./lib/cluster');
const { startProxy } = require('../recovery/lib/proxy');
const { checkEvent } = require('../rps/lib/client');

const ROOM_EVENTS = new Set(['room', 'start', 'chosen', 'result']);
const OFFSET = /^[A-Za-z0-9]+-[0-9a-z]+-[0-9a-z]+$/;

// A raw client of /rps through `url` that records every event (its recovery offset apart).
function recorder(url, name, opts = {}) {
  const socket = io(`${url}/rps`, { auth: { name }, transports: ['websocket'], forceNew: true, timeout: 10000, ...opts });
  const rec = { socket, events: [], problems: [], offsets: new Set(), connects: 0 };
  socket.on('connect', () => { rec.connects++; rec.events.push({ name: 'connect', recovered: socket.recovered }); });
  socket.on('disconnect', (reason) => rec.events.push({ name: 'disconnect', reason }));
  socket.onAny((ev, ...args) => {
    let offset = null;
    if (args.length > 1 && typeof args[args.length - 1] === 'string') offset = args.pop();
    if (!offset || !OFFSET.test(offset)) rec.problems.push(`"${ev}" without a recovery offset`);
    else if (rec.offsets.has(offset)) rec.problems.push(`"${ev}" offset ${offset} twice`);
    rec.offsets.add(offset);
    rec.problems.push(...checkEvent(ev, args));
    rec.events.push({ name: ev, data: args[0] });
  });
  rec.next = (name, pred = () => true, from = 0) => waitUntil(
    () => rec.events.slice(from).find((e) => e.name === name && pred(e.data)),
    { timeout: 15000, what: `${name} for ${socket.auth.name}` },
  ).then((e) => e.data);
  rec.ack = (ev, data) => socket.timeout(10000).emitWithAck(ev, data);
  return rec;
}

// An event as text, its objects' keys sorted: a node writes them in its own order, another node
// may write the same object's keys in another.
const canon = (v) => (Array.isArray(v) ? v.map(canon)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
const key = (e) => `${e.name} ${JSON.stringify(canon(e.data))}`;

it('a transport cut of 1 s: back through the other node recovered, every missed room event once, no catch-up', async (t) => {
  const c = await startCluster(t, { nodes: 2, roundDuration: '1500ms', roundGap: '200ms', grace: '10s' });
  const proxy = await startProxy(c.nodes[0].port);
  const players = [];
  t.after(async () => {
    for (const p of players) p.socket.disconnect();
    await proxy.close();
  });
  // a on node0 through the proxy, reconnecting by itself exactly 1 s after a drop; b on node1.
  const a = recorder(proxy.url, 'a', { reconnectionDelay: 1000, reconnectionDelayMax: 1000, randomizationFactor: 0 });
  const b = recorder(c.nodes[1].url, 'b', { reconnection: false });
  players.push(a, b);
  const [wa] = await Promise.all([a.next('welcome'), b.next('welcome')]);
  assert.equal(typeof a.socket._pid, 'string', 'recovery is on: CONNECT gave a pid');
  const join = await a.ack('join', { size: 2 });
  assert.equal(join.ok, true, JSON.stringify(join));
  assert.equal((await b.ack('join', { size: 2 })).ok, true);
  const roomId = join.room.id;
  const start1 = await a.next('start', (s) => s.roomId === roomId && s.round === 1);
  await b.next('start', (s) => s.roomId === roomId && s.round === 1);
  const id = a.socket.id;

  // The cut: the next connection goes to node1; while a is away b chooses, and node0 tells the
  // room that a is disconnected.
  proxy.switchTo(c.nodes[1].port);
  const cutAt = a.events.length;
  a.socket.io.engine.close();
  assert.equal((await b.ack('choose', { round: 1, move: 'rock' })).ok, true);
  const away = await b.next('room', (r) => r.players.some((p) => p.id === wa.playerId && !p.connected));
  const backAt = (await waitUntil(() => a.events.findIndex((e, i) => i > cutAt && e.name === 'connect') + 1, { timeout: 15000, what: 'a reconnected' })) - 1;
  assert.equal(a.events[backAt].recovered, true, 'recovered through node1');
  assert.equal(a.socket.id, id, 'the same socket id');

  // Play goes on: round 1 settles at its deadline (a forfeits), a plays round 2 through node1.
  const start2 = await a.next('start', (s) => s.roomId === roomId && s.round === 2, backAt);
  assert.equal((await a.ack('choose', { round: 2, move: 'paper' })).ok, true);
  assert.equal((await b.ack('choose', { round: 2, move: 'rock' })).ok, true);
  const r2 = await a.next('result', (r) => r.roomId === roomId && r.round === 2, backAt);
  assert.equal(r2.moves[wa.playerId], 'paper', 'the move made after the recovery counts');
  await Promise.all([a, b].map((p) => p.next('start', (s) => s.roomId === roomId && s.round === 3)));

  // What a missed came back with the reconnection (after the cut; socket.io-client emits a
  // recovery's replay just before "connect"): b's choice and a's own departure, replayed from
  // the store (they were emitted by node1 and node0).
  const cut = a.events.findIndex((e, i) => i >= cutAt && e.name === 'disconnect');
  assert.ok(cut >= 0 && cut < backAt, 'the cut, then the reconnection');
  const after = a.events.slice(cut + 1).map((e) => (e.data ? key(e) : e.name));
  assert.ok(after.some((k) => k.startsWith('chosen ') && k.includes('"round":1')), 'b\'s "chosen" of round 1, emitted while a was away, replayed');
  assert.ok(after.includes(key({ name: 'room', data: away })), 'the "room" saying a is away, replayed');
  assert.ok(after.indexOf(key({ name: 'room', data: away })) < after.indexOf('connect'), 'replayed before "connect", as socket.io-client emits a replay');
  assert.ok(start2.deadline > start1.deadline);
  // The same room events as b's, each once: from round 1's start to round 3's. A catch-up (a
  // second "room" or "start") or a lost event would show here.
  const between = (p) => {
    const evs = p.events.filter((e) => ROOM_EVENTS.has(e.name) && (e.name === 'room' ? e.data.id : e.data.roomId) === roomId);
    const from = evs.findIndex((e) => e.name === 'start' && e.data.round === 1);
    const to = evs.findIndex((e) => e.name === 'start' && e.data.round === 3);
    return evs.slice(from, to + 1).map(key).sort();
  };
  assert.deepEqual(between(a), between(b), 'a got the room events b got, each once');
  assert.equal(new Set(between(a)).size, between(a).length, 'no room event twice');
  assert.deepEqual(a.problems, [], 'a: every event carried one offset, none twice, payloads by the contract');
  assert.deepEqual(b.problems, [], 'b: the same');
  assert.equal(a.events.filter((e) => e.name === 'disconnect').length, 1, 'a dropped once');
});
