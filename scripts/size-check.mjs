// The size check of `make test`: what a browser downloads before the first page can paint (the
// page, its stylesheet, the JS and the wasm it preloads), compressed as the server sends it
// (brotli; gzip and raw beside it), against the budget in size-budget.json. Prints the figures
// every run, the chunks loaded later and the whole app too; fails over the budget.
// Usage: node scripts/size-check.mjs [DIST]
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const budget = JSON.parse(readFileSync('size-budget.json', 'utf8'));
const html = readFileSync(join(dist, 'index.html'), 'utf8');

// The page itself, every asset it links, preloads or imports before its first paint, and every
// module those scripts import statically (the split loader). Chunks are fetched later, on demand.
const initial = new Set(['index.html']);
for (const [, path] of html.matchAll(/(?:href|src|from|module_or_path:)\s*=?\s*['"]\/?([^'"?#]+\.(?:js|wasm|css))['"]/g)) {
  initial.add(path);
}
for (const script of [...initial].filter((name) => name.endsWith('.js'))) {
  const source = readFileSync(join(dist, script), 'utf8');
  for (const [, relative] of source.matchAll(/^import\b[^'"]*['"](\.\/[^'"]+\.js)['"]/gm)) {
    initial.add(posix.join(posix.dirname(script), relative));
  }
}

const compressed = (name, extension) => {
  const path = join(dist, `${name}.${extension}`);
  if (!existsSync(path)) {
    console.error(`error: ${path} is missing: build with scripts/build-app.mjs (it compresses).`);
    process.exit(1);
  }
  return statSync(path).size;
};
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const row = (label, br, gzip, raw) =>
  console.log(`  ${label.padEnd(44)} ${kib(br).padStart(11)} ${kib(gzip).padStart(11)} ${kib(raw).padStart(11)}`);

const sizes = (names) =>
  names.reduce(
    (sum, name) => ({
      br: sum.br + compressed(name, 'br'),
      gzip: sum.gzip + compressed(name, 'gz'),
      raw: sum.raw + statSync(join(dist, name)).size,
    }),
    { br: 0, gzip: 0, raw: 0 },
  );

console.log(`  ${'Initial transfer (as served: brotli)'.padEnd(44)} ${'brotli'.padStart(11)} ${'gzip'.padStart(11)} ${'raw'.padStart(11)}`);
for (const name of [...initial].sort()) {
  const one = sizes([name]);
  row(name, one.br, one.gzip, one.raw);
}
const first = sizes([...initial]);
row('initial total', first.br, first.gzip, first.raw);
const chunks = readdirSync(dist, { recursive: true }).filter(
  (name) => /\.(wasm|js|css)$/.test(name) && !name.startsWith('embed') && !initial.has(name),
);
const later = sizes(chunks);
row(`loaded later (${chunks.length} chunks)`, later.br, later.gzip, later.raw);
row('whole app', first.br + later.br, first.gzip + later.gzip, first.raw + later.raw);
console.log(`  budget for the initial transfer: ${kib(budget.initial_bytes)} brotli (size-budget.json)`);
if (first.br > budget.initial_bytes) {
  console.error(`error: the initial transfer is ${kib(first.br)}, over the budget of ${kib(budget.initial_bytes)} (size-budget.json).`);
  process.exit(1);
}
