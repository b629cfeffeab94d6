// Part of the app build (scripts/build-app.mjs, before compression): writes embed/roster.js, the
// loader a host page imports from a stable URL (embed/loader.js with this build's asset folder).
// Usage: node scripts/write-embed-loader.mjs [DIR]   (default: dist)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'dist';
// The build's one content-hashed folder of assets.
const folders = readdirSync(join(dir, 'assets')).filter((name) => /^[0-9a-f]{16}$/.test(name));
if (folders.length !== 1) throw new Error(`write-embed-loader: expected one asset folder in ${dir}/assets, found ${folders.length}`);
const assets = `assets/${folders[0]}`;
const module = `${assets}/roster.js`;
const split = `${assets}/__wasm_split.js`;
const wasm = `${assets}/roster_bg.wasm`;
const stylesheet = `${assets}/roster.css`;

const loader = readFileSync(new URL('../embed/loader.js', import.meta.url), 'utf8')
  .replace('__MODULE__', module)
  .replace('__SPLIT__', split)
  .replace('__WASM__', wasm)
  .replace('__STYLESHEET__', stylesheet);
mkdirSync(join(dir, 'embed'), { recursive: true });
writeFileSync(join(dir, 'embed', 'roster.js'), loader);
