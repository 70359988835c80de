'use strict';
// A TCP proxy in front of the nodes, as a load balancer: each new connection goes to the
// current target; switching it sends the next (re)connection to another node. strand() makes
// the connections open now half-open on the node's side: when the client's end closes, the
// node's end is kept open and silent (nothing forwarded, no FIN), as a phone that changed
// networks leaves its old connection: the node notices only at its ping timeout (what the
// client sends from then on is dropped, its WebSocket close included).
const net = require('node:net');

function startProxy(targetPort) {
  let target = targetPort;
  const pairs = new Set();
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1');
    const pair = { down, up, stranded: false };
    pairs.add(pair);
    const end = () => {
      if (pair.stranded) {
        // The node's end stays open (until close()); nothing more reaches it.
        down.unpipe(up);
        up.unpipe(down);
        down.destroy();
        up.resume(); // read and drop what the node sends
        return;
      }
      down.destroy();
      up.destroy();
      pairs.delete(pair);
    };
    down.on('error', end).on('close', end);
    up.on('error', () => { pair.stranded = false; end(); }).on('close', () => { pair.stranded = false; end(); });
    down.pipe(up, { end: false });
    up.pipe(down);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    switchTo(port) { target = port; },
    strand() {
      for (const p of pairs) {
        p.stranded = true;
        // From now on nothing the client sends (not even its WebSocket close) reaches the node.
        p.down.unpipe(p.up);
        p.down.resume();
      }
    },
    close: () => new Promise((r) => {
      for (const p of pairs) { p.down.destroy(); p.up.destroy(); }
      pairs.clear();
      server.close(() => r());
    }),
  })));
}

module.exports = { startProxy };
