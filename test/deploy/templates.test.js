'use strict';
// The deployment files themselves: every nginx template renders and passes `nginx -t`, the
// shared locations stay identical, render.sh refuses a missing variable, docker-compose.yml
// validates with docker-compose 1.29 and gives nginx every variable its templates use, and the
// image and `make build` share one build command.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { REPO } = require('./lib/cluster');

const NGINX = path.join(REPO, 'deploy/nginx');

function tmpdir(t) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rpsio-nginx-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function render(dir, out, env) {
  return spawnSync(path.join(NGINX, 'render.sh'), [path.join(NGINX, dir), out], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
}

function nginxT(out) {
  return spawnSync('nginx', ['-t', '-p', out, '-c', path.join(out, 'nginx.conf'), '-e', path.join(out, 'error.log')], { encoding: 'utf8' });
}

// The variables each template uses.
function templateVars(dir) {
  const vars = new Set();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.template')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)) vars.add(m[1]);
    }
  };
  walk(path.join(NGINX, dir));
  return vars;
}

const common = {
  NGINX_SERVER_NAME: '_',
  RPSIO_UPSTREAM_SERVERS: 'server 127.0.0.1:1 max_fails=1 fail_timeout=5s; server 127.0.0.1:2 max_fails=1 fail_timeout=5s;',
  NGINX_METRICS_ALLOW: '127.0.0.0/8',
};

const variants = [
  { name: 'HTTP, default path', dir: 'templates', env: { ...common, NGINX_LISTEN: '127.0.0.1:18080', RPSIO_SOCKETIO_PATH: '/socket.io/' } },
  { name: 'HTTP, path prefix', dir: 'templates', env: { ...common, NGINX_LISTEN: '18080', RPSIO_SOCKETIO_PATH: '/applet/ws/socket.io/' } },
  { name: 'TLS, path prefix', dir: 'templates-tls', tls: true, env: { ...common, NGINX_HTTP_LISTEN: '127.0.0.1:18080', NGINX_HTTPS_LISTEN: '127.0.0.1:18443', NGINX_HTTPS_PORT_SUFFIX: ':18443', RPSIO_SOCKETIO_PATH: '/applet/ws/socket.io/' } },
  { name: 'TLS on 443, default path', dir: 'templates-tls', tls: true, env: { ...common, NGINX_HTTP_LISTEN: '80', NGINX_HTTPS_LISTEN: '443', NGINX_HTTPS_PORT_SUFFIX: '', RPSIO_SOCKETIO_PATH: '/socket.io/' } },
];

for (const v of variants) {
  test(`nginx -t accepts the rendered templates: ${v.name}`, (t) => {
    const out = tmpdir(t);
    const env = { ...v.env };
    if (v.tls) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', path.join(out, 'key.pem'), '-out', path.join(out, 'cert.pem')], { stdio: 'ignore' });
      env.NGINX_SSL_CERTIFICATE = path.join(out, 'cert.pem');
      env.NGINX_SSL_CERTIFICATE_KEY = path.join(out, 'key.pem');
    }
    const r = render(v.dir, path.join(out, 'conf'), env);
    assert.equal(r.status, 0, `render.sh: ${r.stderr}`);
    const conf = fs.readFileSync(path.join(out, 'conf/conf.d/rpsio.conf'), 'utf8');
    const loc = fs.readFileSync(path.join(out, 'conf/conf.d/rpsio/locations.inc'), 'utf8');
    assert.doesNotMatch(conf + loc, /\$\{[A-Z_]+\}/, 'a variable was left unrendered');
    // nginx's own variables are untouched, whatever the environment.
    assert.match(conf, /hash \$remote_addr consistent;/);
    assert.match(loc, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.ok(loc.includes(`location ${v.env.RPSIO_SOCKETIO_PATH} {`), 'Socket.IO served at the path');
    const n = nginxT(path.join(out, 'conf'));
    assert.equal(n.status, 0, `nginx -t:\n${n.stderr}`);
    assert.match(n.stderr, /test is successful/);
  });
}

test('both template directories share one locations file', () => {
  const a = fs.readFileSync(path.join(NGINX, 'templates/rpsio/locations.inc.template'), 'utf8');
  const b = fs.readFileSync(path.join(NGINX, 'templates-tls/rpsio/locations.inc.template'), 'utf8');
  assert.equal(b, a, 'deploy/nginx/templates-tls/rpsio/locations.inc.template differs from templates/: copy it over');
});

test('render.sh refuses a template whose variable is not set', (t) => {
  const out = tmpdir(t);
  const env = { ...variants[0].env };
  delete env.RPSIO_UPSTREAM_SERVERS;
  const r = render('templates', out, env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /needs .*RPSIO_UPSTREAM_SERVERS/);
});

test('nginx -t fails on a broken rendering (the check can fail)', (t) => {
  const out = tmpdir(t);
  const r = render('templates', out, { ...variants[0].env, RPSIO_UPSTREAM_SERVERS: 'server 127.0.0.1:1 no_such_parameter;' });
  assert.equal(r.status, 0);
  assert.notEqual(nginxT(out).status, 0);
});

test('docker-compose.yml validates with docker-compose and gives nginx every template variable', () => {
  const r = spawnSync('docker-compose', ['-f', path.join(REPO, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', cwd: REPO });
  assert.equal(r.status, 0, `docker-compose config -q:\n${r.stderr}`);
  const full = spawnSync('docker-compose', ['-f', path.join(REPO, 'docker-compose.yml'), 'config'], { encoding: 'utf8', cwd: REPO, env: { ...process.env, RPSIO_TOKEN_SECRET: '' } });
  assert.equal(full.status, 0, full.stderr);
  const nginx = full.stdout.split(/\n {2}(?=\S)/).find((s) => s.startsWith('nginx:'));
  assert.ok(nginx, 'an nginx service');
  for (const v of templateVars('templates')) assert.match(nginx, new RegExp(`\\n {6}${v}:`), `nginx's environment lacks ${v}`);
  assert.match(nginx, /\/etc\/nginx\/templates/, 'the templates are mounted where the image renders them');
  const compose = fs.readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8');
  assert.match(compose, /INSECURE/, 'the development secret is labelled insecure');
  for (const svc of ['rpsio1', 'rpsio2']) {
    const block = full.stdout.split(/\n {2}(?=\S)/).find((s) => s.startsWith(`${svc}:`));
    assert.ok(block, svc);
    assert.match(block, /RPSIO_REDIS_URL: redis:\/\/redis:6379/);
    assert.match(block, /RPSIO_TOKEN_SECRET: \S+/);
    assert.match(block, /condition: service_healthy/);
    assert.match(block, /healthcheck:/);
  }
});

test('the image and `make build` run one build command', () => {
  const dockerfile = fs.readFileSync(path.join(REPO, 'deploy/Dockerfile'), 'utf8');
  const makefile = fs.readFileSync(path.join(REPO, 'Makefile'), 'utf8');
  const runs = dockerfile.split('\n').filter((l) => /^RUN .*go build/.test(l) || /^RUN .*build\.sh/.test(l));
  assert.deepEqual(runs, ['RUN deploy/build.sh /out/rpsio'], 'the Dockerfile builds with deploy/build.sh only');
  const build = makefile.match(/^build:\n((?:\t.*\n)+)/m);
  assert.ok(build, 'a build target');
  assert.match(build[1], /deploy\/build\.sh/);
  assert.doesNotMatch(build[1], /go build/);
});
