// The size check of `make test`: what a browser downloads before the first page can paint (the
// page, its stylesheet, the JS and the wasm it preloads), compressed as the server sends it
// (brotli), against the budget in size-budget.json. Prints the figures every run; fails over it.
// Usage: node scripts/size-check.mjs [DIST]
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const budget = JSON.parse(readFileSync('size-budget.json', 'utf8'));
const html = readFileSync(join(dist, 'index.html'), 'utf8');

// The page itself, and every asset it links, preloads or imports before its first paint.
const initial = new Set(['index.html']);
for (const [, path] of html.matchAll(/(?:href|src|from|module_or_path:)\s*=?\s*['"]\/?([^'"?#]+\.(?:js|wasm|css))['"]/g)) {
  initial.add(path);
}

const served = (name) => {
  const brotli = join(dist, `${name}.br`);
  if (!existsSync(brotli)) {
    console.error(`error: ${brotli} is missing: build with Trunk (its post-build hook compresses).`);
    process.exit(1);
  }
  return statSync(brotli).size;
};
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

let total = 0;
console.log('Initial transfer (brotli, as served):');
for (const name of [...initial].sort()) {
  const size = served(name);
  total += size;
  console.log(`  ${name.padEnd(44)} ${kib(size).padStart(12)}   (${kib(statSync(join(dist, name)).size)} raw)`);
}
const everything = readdirSync(dist)
  .filter((name) => /\.(wasm|js|css)$/.test(name))
  .reduce((sum, name) => sum + served(name), 0);
console.log(`  ${'initial total'.padEnd(44)} ${kib(total).padStart(12)}   budget ${kib(budget.initial_bytes)}, target ${kib(budget.target_bytes)}`);
console.log(`  ${'whole app (every wasm, JS and CSS file)'.padEnd(44)} ${kib(everything).padStart(12)}`);
if (total > budget.initial_bytes) {
  console.error(`error: the initial transfer is ${kib(total)}, over the budget of ${kib(budget.initial_bytes)} (size-budget.json).`);
  process.exit(1);
}
