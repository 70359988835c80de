'use strict';
// Reads /metrics and parses it as the Prometheus text format, strictly enough to fail on a
// broken exposition: every sample line must parse, belong to a family with HELP and TYPE, and
// carry a numeric value.
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const parse = require('parse-prometheus-text-format');

function get(url, { cert, localAddress } = {}) {
  const mod = url.startsWith('https') ? https : http;
  const opts = { localAddress, agent: false };
  if (cert) opts.ca = fs.readFileSync(cert);
  return new Promise((resolve, reject) => {
    const req = mod.get(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${url}: timeout`)));
  });
}

// Parses a text exposition into { name: { type, help, samples: [{ labels, value }] } }.
function parseMetrics(text) {
  const families = parse(text);
  const out = {};
  let samples = 0;
  for (const f of families) {
    assert.ok(f.type && f.type !== 'UNTYPED', `family ${f.name} has no TYPE`);
    assert.ok(f.help, `family ${f.name} has no HELP`);
    const fam = { type: f.type, help: f.help, samples: [] };
    for (const m of f.metrics) {
      if (f.type === 'HISTOGRAM' || f.type === 'SUMMARY') continue; // read from the _count lines below
      const v = Number(m.value);
      assert.ok(!Number.isNaN(v) || m.value === 'NaN', `${f.name}${JSON.stringify(m.labels || {})}: value ${m.value}`);
      fam.samples.push({ labels: m.labels || {}, value: v });
      samples += 1;
    }
    out[f.name] = fam;
  }
  // Histograms and summaries: parse-prometheus-text-format merges the series of a family with
  // several label sets into one and loses their counts, so each series' count is read from its
  // own `_count` line here (labels parsed strictly: name="value" pairs, escapes allowed).
  const countLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)_count(?:\{(.*)\})? (\S+)$/;
  for (const line of text.split('\n')) {
    const c = line.match(countLine);
    if (!c || !out[c[1]] || (out[c[1]].type !== 'HISTOGRAM' && out[c[1]].type !== 'SUMMARY')) continue;
    const labels = {};
    for (const l of (c[2] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    const v = Number(c[3]);
    assert.ok(Number.isFinite(v), `${c[1]}: count ${c[3]}`);
    out[c[1]].samples.push({ labels, value: v });
    samples += 1;
  }
  // Every sample line belongs to a parsed family (nothing was skipped silently), and plain
  // families have exactly one parsed sample per line.
  const perFamily = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const name = line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)?.[0];
    assert.ok(name, `sample line ${JSON.stringify(line)}`);
    const fam = out[name] ? name : name.replace(/_(sum|count|bucket)$/, '');
    assert.ok(out[fam], `sample line ${JSON.stringify(line)} belongs to no family`);
    perFamily[fam] = (perFamily[fam] || 0) + 1;
  }
  for (const [name, f] of Object.entries(out)) {
    if (f.type !== 'HISTOGRAM' && f.type !== 'SUMMARY') {
      assert.equal(f.samples.length, perFamily[name] || 0, `${name}: every sample line parsed`);
    }
  }
  assert.ok(samples > 0, 'no samples at all');
  return out;
}

// The value of family `name` with exactly `labels`; undefined if absent.
function value(m, name, labels = {}) {
  const f = m[name];
  if (!f) return undefined;
  const want = JSON.stringify(Object.entries(labels).sort());
  const s = f.samples.find((x) => JSON.stringify(Object.entries(x.labels).sort()) === want);
  return s ? s.value : undefined;
}

async function scrape(url, opts) {
  const res = await get(`${url}/metrics`, opts);
  assert.equal(res.status, 200, `GET ${url}/metrics: ${res.status} ${res.body.slice(0, 200)}`);
  assert.match(res.headers['content-type'], /^text\/plain/, 'the text exposition format');
  return parseMetrics(res.body);
}

module.exports = { get, parseMetrics, value, scrape };
