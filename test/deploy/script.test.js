'use strict';
// deploy/local-cluster.sh itself: it starts what it says, prints "ready URL" once it all serves,
// and on Ctrl-C (SIGINT) or SIGTERM stops every process it started (nginx's workers included)
// and removes its temporary directory.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { launch, alive } = require('./lib/cluster');
const { get } = require('./lib/metrics');

// Every process descending from pid, as [pid, command line], from /proc.
function descendants(pid) {
  const children = new Map();
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) || []) {
      let cmd = '';
      try { cmd = fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { /* gone */ }
      out.push([c, cmd]);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

for (const [signal, nodes, code] of [['SIGTERM', 2, 143], ['SIGINT', 3, 130]]) {
  test(`local-cluster.sh --nodes ${nodes}: serves, then on ${signal} leaves no process and no file`, async () => {
    const c = await launch({ nodes, signal });
    let tree = [];
    try {
      assert.equal(c.nodes.length, nodes);
      assert.match(c.url, new RegExp(`^http://127\\.0\\.0\\.1:${c.port}$`));
      assert.ok(c.dir && fs.existsSync(c.dir), 'its temporary directory');
      assert.ok(c.redis.startsWith('redis://127.0.0.1:'));
      for (const n of c.nodes) {
        assert.equal((await get(`${n.url}/readyz`)).status, 200, `node ${n.index}`);
      }
      assert.equal((await get(`${c.url}/healthz`)).status, 200);
      tree = descendants(c.child.pid);
      const cmds = tree.map(([, cmd]) => cmd);
      assert.equal(cmds.filter((x) => x.startsWith('redis-server')).length, 1, `redis-server among ${cmds}`);
      assert.equal(cmds.filter((x) => x.startsWith(require('node:path').resolve(process.env.RPSIO_BIN))).length, nodes, `the nodes among ${cmds}`);
      assert.ok(cmds.some((x) => x.startsWith('nginx: master')) && cmds.some((x) => x.startsWith('nginx: worker')), `nginx master and worker among ${cmds}`);
      for (const pid of c.pids()) assert.ok(tree.some(([p]) => p === pid), `pid ${pid} printed but not started by the script`);
    } catch (err) {
      await c.stop();
      throw err;
    }
    const res = await c.stop(signal);
    assert.equal(res.code, code, `exit ${JSON.stringify(res)}`);
    const left = tree.filter(([pid]) => alive(pid));
    assert.deepEqual(left, [], 'processes left behind');
    assert.ok(!fs.existsSync(c.dir), `${c.dir} left behind`);
    await assert.rejects(get(`${c.url}/healthz`), 'nginx still listening');
  });
}

test('local-cluster.sh refuses bad arguments', async () => {
  const { spawnSync } = require('node:child_process');
  const { REPO } = require('./lib/cluster');
  for (const args of [['--nodes', '0'], ['--port', 'x'], ['--bogus']]) {
    const r = spawnSync('bash', [`${REPO}/deploy/local-cluster.sh`, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args}: ${r.stderr}`);
  }
});
