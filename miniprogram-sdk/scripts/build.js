'use strict';
// Builds dist/ from src/ with esbuild:
//   dist/index.js        CommonJS, ES2015, readable: what `main` and the
//                        WeChat devtools' npm build ("miniprogram": "dist") use
//   browser/rpsio.min.js minified IIFE for browsers (global `rpsio`); kept
//                        out of dist/ so it never lands in a mini-program package
// `node scripts/build.js --size` prints the minified and gzipped sizes.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const banner = '/*! ' + pkg.name + ' v' + pkg.version + ' | MIT | Socket.IO protocol 5 / Engine.IO 4 client */';

function common() {
  return {
    entryPoints: [path.join(root, 'src', 'index.js')],
    bundle: true,
    target: 'es2015',
    platform: 'neutral',
    legalComments: 'none',
    banner: { js: banner },
    write: false,
    logLevel: 'silent',
  };
}

function build() {
  const cjs = esbuild.buildSync(Object.assign(common(), { format: 'cjs', outfile: 'index.js' }));
  const iife = esbuild.buildSync(
    Object.assign(common(), { format: 'iife', globalName: 'rpsio', minify: true, outfile: 'rpsio.min.js' })
  );
  const min = esbuild.buildSync(Object.assign(common(), { format: 'cjs', minify: true, outfile: 'index.min.js' }));
  return {
    'dist/index.js': cjs.outputFiles[0].text,
    'browser/rpsio.min.js': iife.outputFiles[0].text,
    _minCjs: min.outputFiles[0].text,
  };
}

function sizes(files) {
  const min = Buffer.from(files._minCjs);
  return { minified: min.length, gzipped: zlib.gzipSync(min, { level: 9 }).length, gzippedDefault: zlib.gzipSync(min).length };
}

function write(files) {
  for (const name of Object.keys(files)) {
    if (name.charAt(0) === '_') continue;
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, files[name]);
  }
}

module.exports = { build, sizes };

if (require.main === module) {
  const files = build();
  write(files);
  if (process.argv.indexOf('--size') > 0) {
    const s = sizes(files);
    console.log('minified: ' + s.minified + ' bytes, minified + gzip -9: ' + s.gzipped + ' bytes (gzip -6: ' + s.gzippedDefault + ')');
  } else {
    console.log('built dist/index.js and browser/rpsio.min.js');
  }
}
