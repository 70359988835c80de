'use strict';
// The scoring rules of the contract, written independently of the server, to compute the
// expected "result" of a round:
//   every pair of players plays once: winner +1, loser -1, tie 0; x is the sum;
//   a player with no move (null) loses to every player who chose and ties with the others;
//   x > 0: streak + 1, else streak = 0; score = x * streak; total += score.
const BEATS = { rock: 'scissors', paper: 'rock', scissors: 'paper' };

function outcome(a, b) {
  if (a === b) return 0; // same move, or both forfeited
  if (a === null) return -1;
  if (b === null) return 1;
  return BEATS[a] === b ? 1 : -1;
}

// standing: [{id, streak, total}] in seat order; moves: {id: move|null}.
// Returns the result players [{id, x, streak, score, total}] in seat order.
function settle(standing, moves) {
  return standing.map((p) => {
    let x = 0;
    for (const o of standing) if (o.id !== p.id) x += outcome(moves[p.id] ?? null, moves[o.id] ?? null);
    const streak = x > 0 ? p.streak + 1 : 0;
    const score = x * streak + 0; // + 0: no -0 when x < 0 and streak = 0
    return { id: p.id, x, streak, score, total: p.total + score };
  });
}

// A fresh standing for players (ids) in seat order.
const fresh = (ids) => ids.map((id) => ({ id, streak: 0, total: 0 }));

module.exports = { settle, fresh, outcome };
