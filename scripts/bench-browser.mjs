// The browser half of `make bench` (scripts/bench.sh starts the server on a seeded database and
// serves a copy of dist/ from SITE): headless Chromium against the release build.
//   1. Cold load to the first painted row of the Managed list, median of 10 fresh browser
//      contexts, next to the same 25 rows as a static HTML page from the same server (the floor);
//      unthrottled and with DevTools' "Fast 4G" network. The first row is the server's first
//      paint; the app's own rows, which take its place once the app runs, are printed beside it.
//   2. Instant search: keystroke to the filtered rows painted, p50 and p95 over 30 keystrokes,
//      with the API's own time for each beside it; the most table rows the DOM ever held.
//   3. Memory (JS heap, wasm memory) after opening every page once, after 50 list navigations
//      (warm), and after 200 more: what stays must not grow.
//   4. Lighthouse 12 on the Managed list, mobile and desktop presets.
// Prints figures; asserts nothing (timings belong in benchmarks, not tests). Loopback only.
// Usage: node scripts/bench-browser.mjs BASE_URL SITE EMAIL PASSWORD
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const [base, site, email, password] = process.argv.slice(2);
if (!password) {
  console.error('usage: node scripts/bench-browser.mjs BASE_URL SITE EMAIL PASSWORD');
  process.exit(2);
}
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const chromeFlags = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
// DevTools' "Fast 4G" preset (throughput in bytes per second, latency in ms).
const FAST_4G = { offline: false, latency: 60 * 2.75, downloadThroughput: (9e6 / 8) * 0.9, uploadThroughput: (1.5e6 / 8) * 0.9 };
const COLD_RUNS = 10;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const ms = (value) => `${value.toFixed(0)} ms`.padStart(9);
const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`.padStart(10);

// --- The session every page uses ---------------------------------------------------------------
const signIn = await fetch(`${base}/api/v1/session`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-roster-csrf': '1' },
  body: JSON.stringify({ email, password }),
});
if (!signIn.ok) throw new Error(`sign-in failed: HTTP ${signIn.status}`);
const cookieHeader = signIn.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ');
const cookies = cookieHeader.split('; ').map((pair) => {
  const [name, ...value] = pair.split('=');
  return { name, value: value.join('='), url: base };
});

// --- The floor: the same 25 rows, as a static page from the same server --------------------------
const firstPage = await (await fetch(`${base}/api/v1/users?view=managed`, { headers: { cookie: cookieHeader } })).json();
const escape = (text) => String(text ?? '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const index = readFileSync(join(site, 'index.html'), 'utf8');
const stylesheet = index.match(/<link rel="stylesheet"[^>]*>/)?.[0] ?? '';
writeFileSync(join(site, 'bench-static.html'), `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Managed users (static)</title>${stylesheet}</head>
<body><main class="roster-page"><h1>User management</h1><table class="roster-table"><caption>Managed users</caption>
<thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead><tbody>
${firstPage.items.map((user) => `<tr><td>${escape(`${user.given_name} ${user.family_name}`)}</td><td>${escape(user.email)}</td><td>${escape(user.org_role)}</td></tr>`).join('\n')}
</tbody></table></main></body></html>
`);

// Records, from the start of the document, when a table row was first painted, and the wasm
// memories the page instantiates. Painted: a message posted from the next frame's
// requestAnimationFrame runs once that frame's style, layout and paint are done (where a second
// requestAnimationFrame would wait for the frame after, up to 16.7 ms more of idle time).
const instrument = () => {
  window.__afterPaint = (resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(null);
  });
  window.__firstRowPainted = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.querySelector('tbody tr')) return;
      observer.disconnect();
      window.__afterPaint(resolve);
    });
    observer.observe(document, { childList: true, subtree: true });
  });
  // The same, for the app's own rows: once the server's first paint (if any) has given way.
  window.__appRowPainted = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('.roster-first-paint') || !document.querySelector('tbody tr')) return;
      observer.disconnect();
      window.__afterPaint(resolve);
    });
    observer.observe(document, { childList: true, subtree: true });
  });
  window.__wasmMemories = [];
  const keep = (result) => {
    const instance = result.instance ?? result;
    for (const value of Object.values(instance.exports ?? {})) {
      if (value instanceof WebAssembly.Memory) window.__wasmMemories.push(value);
    }
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = (...args) => streaming(...args).then(keep);
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (...args) => instantiate(...args).then(keep);
};

const browser = await chromium.launch({ executablePath: chromiumPath, args: chromeFlags });

// One cold load of `path` in a fresh context: when its first table row was painted, and when the
// app's own rows were.
async function coldLoad(path, network) {
  const context = await browser.newContext();
  await context.addCookies(cookies);
  await context.addInitScript(instrument);
  const page = await context.newPage();
  if (network) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', network);
  }
  await page.goto(`${base}${path}`, { waitUntil: 'commit' });
  const firstRow = await page.evaluate(() => window.__firstRowPainted);
  const appRow = await page.evaluate(() => window.__appRowPainted);
  await context.close();
  return { firstRow, appRow };
}

// The app's page and the static one are loaded in turns (which goes first alternating), so a
// machine that slows down or speeds up during the run moves both alike: measured one set after
// the other, the ratio moved between 1.5 and 2.2 from run to run here.
console.log(`== Cold load to the first painted row (median of ${COLD_RUNS} fresh contexts each, the app's page and the static one in turns)`);
for (const [label, network] of [['unthrottled', null], ['Fast 4G', FAST_4G]]) {
  const app = [];
  const floor = [];
  for (let run = 0; run < COLD_RUNS; run += 1) {
    const pair = [['/users/managed', app], ['/bench-static.html', floor]];
    if (run % 2 === 1) pair.reverse();
    for (const [path, times] of pair) times.push(await coldLoad(path, network));
  }
  const appRow = median(app.map((load) => load.firstRow));
  const floorRow = median(floor.map((load) => load.firstRow));
  const ownRows = median(app.map((load) => load.appRow));
  // Each turn's two loads side by side, too: the median of their ratios.
  const pairRatio = median(app.map((load, run) => load.firstRow / floor[run].firstRow));
  console.log(`${label.padEnd(12)} app ${ms(appRow)}   static page ${ms(floorRow)}   ratio ${(appRow / floorRow).toFixed(2)}× (of each turn's pair: ${pairRatio.toFixed(2)}×)   (the app's own rows, in place of the first paint: ${ms(ownRows).trim()}, ${(ownRows / floorRow).toFixed(2)}×)`);
}

// --- Instant search ------------------------------------------------------------------------------
const context = await browser.newContext();
await context.addCookies(cookies);
await context.addInitScript(instrument);
const page = await context.newPage();
await page.goto(`${base}/users/managed`);
await page.evaluate(() => window.__appRowPainted);
const search = page.getByLabel('Search users');
await search.focus();
await page.evaluate(() => {
  window.__maxRows = 0;
  new MutationObserver(() => {
    window.__maxRows = Math.max(window.__maxRows, document.querySelectorAll('tr').length);
  }).observe(document.body, { childList: true, subtree: true });
  document.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true);
  // Resolves with the time the summary for `term` was painted.
  window.__paintedFor = (term) => new Promise((resolve) => {
    const done = () => {
      const summary = document.querySelector('.roster-summary');
      if (!summary || !summary.textContent.includes(`“${term}”`)) return false;
      window.__afterPaint(resolve);
      return true;
    };
    if (done()) return;
    const observer = new MutationObserver(() => { if (done()) observer.disconnect(); });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
});
const keys = [...'maria', ...Array(4).fill('Backspace'), ...'ichael', ...Array(6).fill('Backspace'), ...'ohamed', ...Array(3).fill('Backspace')];
let typed = '';
const totals = [];
const apiTimes = [];
for (const key of keys) {
  typed = key === 'Backspace' ? typed.slice(0, -1) : typed + key;
  const painted = page.evaluate((term) => window.__paintedFor(term), typed);
  await page.keyboard.press(key);
  const paintedAt = await painted;
  const { keyAt, api } = await page.evaluate((term) => {
    const wanted = `q=${encodeURIComponent(term)}`;
    const entries = performance.getEntriesByType('resource')
      .filter((entry) => entry.name.includes('/api/v1/users?') && entry.name.split(/[?&]/).includes(wanted));
    const last = entries[entries.length - 1];
    return { keyAt: window.__keyAt, api: last ? last.responseEnd - last.startTime : NaN };
  }, typed);
  totals.push(paintedAt - keyAt);
  apiTimes.push(api);
}
const beyondApi = totals.map((total, i) => total - apiTimes[i]);
console.log(`== Instant search: keystroke to filtered rows painted (${keys.length} keystrokes)`);
console.log(`p50 ${ms(percentile(totals, 50))}   p95 ${ms(percentile(totals, 95))}   (API alone: p50 ${ms(percentile(apiTimes, 50))}, p95 ${ms(percentile(apiTimes, 95))}; beyond the API: p50 ${ms(percentile(beyondApi, 50))}, p95 ${ms(percentile(beyondApi, 95))})`);
console.log(`most table rows in the DOM at once: ${await page.evaluate(() => window.__maxRows)}`);

// --- Memory ------------------------------------------------------------------------------------
const cdp = await context.newCDPSession(page);
const go = (path) => page.evaluate((to) => {
  const link = document.createElement('a');
  link.href = to;
  document.body.append(link);
  link.click();
  link.remove();
}, path);
const heading = async () => page.locator('h1').first().waitFor();
async function memory() {
  // The browser's own record of every request would count as growth: it is not the app's.
  await page.evaluate(() => performance.clearResourceTimings());
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() => window.__wasmMemories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0));
  return { js: usedSize, wasm };
}
await search.fill('');
await go('/users/managed');
await page.locator('tbody tr').first().waitFor();
const start = await memory();
const pages = ['/users/external', '/users/invited', '/users/imported', '/accounts', '/accounts/1', '/domains', '/audit',
  '/tokens', '/invite/accounts', '/account/password', '/account/two-factor'];
const firstUser = await page.locator('tbody tr a').first().getAttribute('href');
if (firstUser) pages.push(firstUser);
for (const path of pages) {
  await go(path);
  await heading();
  await page.waitForLoadState('networkidle');
  await go('/users/managed');
  await page.locator('tbody tr').first().waitFor();
}
const afterPages = await memory();
const switchTabs = async (count) => {
  for (let i = 0; i < count; i += 1) {
    const view = i % 2 ? 'managed' : 'external';
    await go(`/users/${view}`);
    await page.waitForFunction((tab) => document.querySelector(`[role=tab][aria-selected=true]`)?.id.endsWith(tab), view);
    await page.locator('tbody tr').first().waitFor();
  }
  await page.waitForLoadState('networkidle');
};
// The first switches warm caches once (compiled code, the router's state); a leak is what grows after.
await switchTabs(50);
const warm = await memory();
await switchTabs(200);
const afterNavigations = await memory();
const counters = await cdp.send('Memory.getDOMCounters');
console.log('== Memory (after garbage collection)            JS heap   wasm memory');
console.log(`the Managed list, first shown                ${mib(start.js)}  ${mib(start.wasm)}`);
console.log(`after opening ${pages.length} pages once each           ${mib(afterPages.js)}  ${mib(afterPages.wasm)}`);
console.log(`after 50 list navigations (warm)             ${mib(warm.js)}  ${mib(warm.wasm)}`);
console.log(`after 200 list navigations more              ${mib(afterNavigations.js)}  ${mib(afterNavigations.wasm)}   (growth ${((afterNavigations.js + afterNavigations.wasm - warm.js - warm.wasm) / 1024).toFixed(0)} KiB; ${counters.nodes} DOM nodes, ${counters.jsEventListeners} listeners)`);
await browser.close();

// --- Lighthouse ----------------------------------------------------------------------------------
const lighthouse = join(process.cwd(), 'node_modules/.bin/lighthouse');
const work = mkdtempSync(join(tmpdir(), 'roster-lighthouse-'));
const headers = join(work, 'headers.json');
writeFileSync(headers, JSON.stringify({ Cookie: cookieHeader }));
// One Lighthouse run moves by several hundredths on this machine (its blocking time is the wasm's
// compilation on first call, which varies from load to load): each preset is the median of
// LIGHTHOUSE_RUNS fresh runs, with the range of the performance score beside it.
const lighthouseRuns = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
console.log(`== Lighthouse 12 on the Managed list (median of ${lighthouseRuns} runs)`);
console.log('preset     perf (range)        a11y   best practices   LCP       TBT       TTI       CLS');
for (const preset of ['mobile', 'desktop']) {
  const runs = [];
  let failed = 0;
  for (let run = 0; run < lighthouseRuns; run += 1) {
    const report = join(work, `${preset}-${run}.json`);
    try {
      execFileSync(lighthouse, [
        `${base}/users/managed`, '--quiet', '--output=json', `--output-path=${report}`,
        '--only-categories=performance,accessibility,best-practices', `--extra-headers=${headers}`,
        `--chrome-flags=--headless=new ${chromeFlags.join(' ')} --user-data-dir=${join(work, `profile-${preset}-${run}`)}`,
        ...(preset === 'desktop' ? ['--preset=desktop'] : []),
      ], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CHROME_PATH: chromiumPath } });
      runs.push(JSON.parse(readFileSync(report, 'utf8')));
    } catch {
      // Lighthouse now and then loses its own trace of a load (NO_NAVSTART): that run is
      // left out, and said so.
      failed += 1;
    }
  }
  if (runs.length === 0) throw new Error(`every Lighthouse run of the ${preset} preset failed`);
  const scores = (category) => runs.map(({ categories }) => categories[category]?.score ?? NaN);
  const values = (audit) => runs.map(({ audits }) => audits[audit].numericValue);
  const score = (category) => median(scores(category)).toFixed(2);
  const seconds = (audit) => `${(median(values(audit)) / 1000).toFixed(2)} s`.padStart(8);
  const perf = scores('performance');
  const range = `(${Math.min(...perf).toFixed(2)}–${Math.max(...perf).toFixed(2)})`;
  console.log(`${preset.padEnd(10)} ${score('performance')} ${range.padEnd(12)} ${score('accessibility').padStart(6)} ${score('best-practices').padStart(6)}           ${seconds('largest-contentful-paint')}  ${ms(median(values('total-blocking-time')))} ${seconds('interactive')}  ${median(values('cumulative-layout-shift')).toFixed(3).padStart(6)}${failed ? `   (${failed} of ${lighthouseRuns} runs failed)` : ''}`);
}
rmSync(work, { recursive: true, force: true });
for (const name of readdirSync(site).filter((name) => name === 'bench-static.html')) rmSync(join(site, name));
