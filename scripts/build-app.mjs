// Builds the app into dist/ (what `make app` runs): cargo → wasm-split-cli (the pages the first one
// does not need become chunks of their own, see src/split.rs) → wasm-bindgen → wasm-opt, then one
// content-hashed folder dist/assets/<hash>/ for all of it (the chunks find each other by relative
// names, so the folder, not each file, carries the hash), index.html naming it, the embedding
// loader, and a brotli and a gzip copy of every file. Trunk cannot split wasm (trunk-rs/trunk#1022).
// Usage: node scripts/build-app.mjs [DIST]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const targetDir = resolve(process.env.CARGO_TARGET_DIR ?? join(root, 'target'));
const stage = join(targetDir, 'app-build');
const esbuild = join(root, 'node_modules/.bin/esbuild');
const wasmOptFeatures = [
  '--enable-reference-types', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
  '--enable-sign-ext', '--enable-multivalue', '--enable-mutable-globals',
];

const run = (program, args, options = {}) => {
  console.log(`  ${program} ${args.join(' ')}`);
  execFileSync(program, args, { stdio: 'inherit', cwd: root, ...options });
};

// The wasm32 rustflags of .cargo/config.toml keep the relocations wasm-split-cli reads.
run('cargo', ['build', '--release', '--locked', '--target', 'wasm32-unknown-unknown',
  '-p', 'roster', '--bin', 'roster', '--features', 'split']);

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
run('wasm-split-cli', [join(targetDir, 'wasm32-unknown-unknown/release/roster.wasm'), stage,
  '--target', 'web', '--out-name', 'roster']);
run('wasm-bindgen', [join(stage, 'roster.wasm'), '--out-dir', stage, '--out-name', 'roster',
  '--target', 'web', '--keep-lld-exports', '--no-typescript']);
rmSync(join(stage, 'roster.wasm'));
for (const name of readdirSync(stage).filter((name) => name.endsWith('.wasm'))) {
  const path = join(stage, name);
  run(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', '--strip-producers', '--strip-target-features', ...wasmOptFeatures, path, '-o', path]);
}
// Minified JS (wasm-bindgen's glue, the split loader; with source maps) and CSS: a quarter less
// to download.
for (const name of ['roster.js', '__wasm_split.js']) {
  const path = join(stage, name);
  run(esbuild, [path, '--minify', '--format=esm', '--sourcemap', `--outfile=${path}`, '--allow-overwrite', '--log-level=warning']);
}
run(esbuild, [join(root, 'style/roster.css'), '--minify', `--outfile=${join(stage, 'roster.css')}`, '--log-level=warning']);

// One hash over every file's name and content names the folder.
const files = readdirSync(stage).sort();
const folderHash = createHash('sha256');
for (const name of files) folderHash.update(name).update('\0').update(readFileSync(join(stage, name)));
const hash = folderHash.digest('hex').slice(0, 16);
const assets = `assets/${hash}`;

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });
renameSync(stage, join(dist, assets));
// Files served as they are at stable names (the icon).
cpSync(join(root, 'public'), dist, { recursive: true });

const integrity = (name) =>
  `sha384-${createHash('sha384').update(readFileSync(join(dist, assets, name))).digest('base64')}`;
const head = [
  `<link rel="stylesheet" href="/${assets}/roster.css" integrity="${integrity('roster.css')}" />`,
  `<link rel="modulepreload" href="/${assets}/roster.js" crossorigin="anonymous" integrity="${integrity('roster.js')}" />`,
  // roster.js imports the split loader: asked for at once, not one round trip after roster.js
  // arrives (165 ms on "Fast 4G").
  `<link rel="modulepreload" href="/${assets}/__wasm_split.js" crossorigin="anonymous" integrity="${integrity('__wasm_split.js')}" />`,
  `<link rel="preload" href="/${assets}/roster_bg.wasm" crossorigin="anonymous" integrity="${integrity('roster_bg.wasm')}" as="fetch" type="application/wasm" />`,
  // The server allows exactly this inline script by its hash (Content-Security-Policy). When the
  // app cannot start, the server's first paint of the list (a picture that takes no clicks) goes.
  `<script type="module">import('/${assets}/roster.js').then(({ default: init }) => init({ module_or_path: '/${assets}/roster_bg.wasm' })).catch((error) => { document.querySelector('body > .roster-first-paint')?.remove(); throw error; });</script>`,
].join('\n    ');
const page = readFileSync(join(root, 'index.html'), 'utf8');
if (!page.includes('<!-- roster:assets -->')) throw new Error('build-app: index.html lost its <!-- roster:assets --> line');
writeFileSync(join(dist, 'index.html'), page.replace('<!-- roster:assets -->', head));

run('node', ['scripts/write-embed-loader.mjs', dist]);
run('node', ['scripts/compress-assets.mjs', dist]);
console.log(`Built dist/ (assets in /${assets}/).`);
