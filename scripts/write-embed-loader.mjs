// Part of Trunk's post-build hook (before compression): writes embed/roster.js, the loader a host
// page imports from a stable URL (embed/loader.js with this build's content-hashed file names).
// Usage: node scripts/write-embed-loader.mjs [DIR]   (default: $TRUNK_STAGING_DIR, else dist)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist';
const files = readdirSync(dir);
const find = (pattern) => {
  const name = files.find((file) => pattern.test(file));
  if (!name) throw new Error(`write-embed-loader: no file matching ${pattern} in ${dir}`);
  return name;
};
const module = find(/^roster-[0-9a-f]{1,16}\.js$/);
const wasm = find(/^roster-[0-9a-f]{1,16}_bg\.wasm$/);
const stylesheet = find(/^roster-[0-9a-f]{1,16}\.css$/);

const loader = readFileSync(new URL('../embed/loader.js', import.meta.url), 'utf8')
  .replace('__MODULE__', module)
  .replace('__WASM__', wasm)
  .replace('__STYLESHEET__', stylesheet);
mkdirSync(join(dir, 'embed'), { recursive: true });
writeFileSync(join(dir, 'embed', 'roster.js'), loader);
