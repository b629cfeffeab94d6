// Trunk's post-build hook (before compression): writes embed/roster.js, the loader a host page
// imports from a stable URL. It names this build's content-hashed module, wasm and stylesheet, and
// loads them once per page however often it is asked.
// Usage: node scripts/write-embed-loader.mjs [DIR]   (default: $TRUNK_STAGING_DIR, else dist)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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

const loader = `// Roster's embedding loader (generated at build time by scripts/write-embed-loader.mjs).
//   import { mount } from 'https://roster.example.com/embed/roster.js';
//   const handle = await mount(element, { getToken, routerBase: '/settings/users' });
//   handle.unmount();
// Roster renders into element's shadow root, with its own styles there: the host's CSS does not
// reach it and its CSS does not reach the host.
const root = new URL('../', import.meta.url);
export const assets = {
  module: new URL(${JSON.stringify(module)}, root).href,
  wasm: new URL(${JSON.stringify(wasm)}, root).href,
  stylesheet: new URL(${JSON.stringify(stylesheet)}, root).href,
};
let loading;

/** Roster's module and styles, fetched and started once per page however many consoles it shows. */
export function load() {
  loading ??= Promise.all([
    import(assets.module).then(async (roster) => {
      await roster.default({ module_or_path: assets.wasm });
      return roster;
    }),
    fetch(assets.stylesheet).then(async (answer) => {
      if (!answer.ok) throw new Error(\`Roster's stylesheet: HTTP \${answer.status}\`);
      const sheet = new CSSStyleSheet();
      await sheet.replace(await answer.text());
      return sheet;
    }),
  ]).catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * Mounts Roster in element's shadow root; the API is this server's unless config.apiBase says
 * otherwise. Answers a handle whose unmount() removes Roster and everything it holds.
 */
export async function mount(element, config = {}) {
  const [roster, sheet] = await load();
  const shadow = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  shadow.adoptedStyleSheets = [sheet];
  const container = document.createElement('div');
  shadow.replaceChildren(container);
  const handle = roster.mount(container, { apiBase: new URL('api/v1', root).href, ...config });
  return {
    unmount() {
      handle.unmount();
      handle.free();
      container.remove();
    },
  };
}
`;
mkdirSync(join(dir, 'embed'), { recursive: true });
writeFileSync(join(dir, 'embed', 'roster.js'), loader);
