'use strict';
// A TCP proxy in front of the nodes, as a load balancer: each new connection goes to the
// current target; switching it sends the next (re)connection to another node.
const net = require('node:net');

function startProxy(targetPort) {
  let target = targetPort;
  const conns = new Set();
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1');
    conns.add(down).add(up);
    const end = () => { down.destroy(); up.destroy(); conns.delete(down); conns.delete(up); };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    down.pipe(up);
    up.pipe(down);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    switchTo(port) { target = port; },
    close: () => new Promise((r) => {
      for (const c of conns) c.destroy();
      server.close(() => r());
    }),
  })));
}

module.exports = { startProxy };
