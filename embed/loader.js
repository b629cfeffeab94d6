// Roster's embedding loader, served at /embed/roster.js. The build (scripts/write-embed-loader.mjs)
// fills in the content-hashed names of this build's module, split loader, wasm and stylesheet below.
//   import { mount } from 'https://roster.example.com/embed/roster.js';
//   const handle = await mount(element, { getToken, routerBase: '/settings/users' });
//   handle.unmount();
// Roster renders into element's shadow root, with its own styles there: the host's CSS does not
// reach it and its CSS does not reach the host.
const root = new URL('../', import.meta.url);
export const assets = {
  module: new URL("__MODULE__", root).href,
  split: new URL("__SPLIT__", root).href,
  wasm: new URL("__WASM__", root).href,
  stylesheet: new URL("__STYLESHEET__", root).href,
};
let loading;

/** Roster's module and styles, fetched and started once per page however many consoles it shows. */
export function load() {
  if (loading) return loading;
  const wasm = fetch(assets.wasm);
  // Handled by the start below; this keeps a failure from also being reported as unhandled when
  // the module fails first and the start never awaits it.
  wasm.catch(() => {});
  loading = Promise.all([
    // The module, the split loader it imports and the wasm are asked for at once, not each after
    // the one before has arrived.
    import(assets.module).then(async (roster) => {
      await roster.default({ module_or_path: wasm });
      return roster;
    }),
    fetch(assets.stylesheet).then(async (answer) => {
      if (!answer.ok) throw new Error(`Roster's stylesheet: HTTP ${answer.status}`);
      const sheet = new CSSStyleSheet();
      await sheet.replace(await answer.text());
      return sheet;
    }),
    import(assets.split),
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
export function mount(element, config = {}) {
  return mountWhile(element, config, () => true);
}

/** As mount(), unless `current()` says no once the code is in (the element left meanwhile). */
async function mountWhile(element, config, current) {
  const [roster, sheet] = await load();
  if (!current()) return null;
  const shadow = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  shadow.adoptedStyleSheets = [sheet];
  const container = document.createElement('div');
  shadow.replaceChildren(container);
  const handle = roster.mount(container, { apiBase: new URL('api/v1', root).href, ...config });
  element.dispatchEvent(new CustomEvent('roster:ready', { bubbles: true, composed: true }));
  let mounted = true;
  return {
    /** Shows `path` (a route of Roster's, such as /users/invited); heard as roster:navigate. */
    navigate(path) {
      if (mounted) handle.navigate(path);
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      handle.unmount();
      handle.free();
      container.remove();
    },
  };
}

// <roster-console>: the element a host drops in. Attributes (and the matching properties):
// api-base, router-base, routing (path | memory), initial-path, theme (light | dark | auto);
// property getToken; method navigate(path). Changing one takes effect at once; removing the
// element unmounts Roster.
const ATTRIBUTES = {
  'api-base': 'apiBase',
  'router-base': 'routerBase',
  routing: 'routing',
  'initial-path': 'initialPath',
  theme: 'theme',
};
// The theme is CSS only (:host([theme])): changing it keeps Roster where it is. A new
// initial-path moves a console there; the others start it again.
const REMOUNTING = ['api-base', 'router-base', 'routing'];

class RosterConsole extends HTMLElement {
  static observedAttributes = Object.keys(ATTRIBUTES);
  #getToken = null;
  #handle = null;
  #generation = 0;
  // Connected and mounted (or mounting): later changes mount again.
  #active = false;

  connectedCallback() {
    // Properties set before this element was defined hide the class's accessors: take them over.
    // (Taken over quietly: the mount below is the only one.)
    for (const name of ['getToken', ...Object.values(ATTRIBUTES)]) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = this[name];
        delete this[name];
        if (name === 'getToken') this.#getToken = typeof value === 'function' ? value : null;
        else this[name] = value;
      }
    }
    this.#active = true;
    this.#mount();
  }

  disconnectedCallback() {
    this.#active = false;
    this.#startAt = null;
    this.#generation += 1;
    this.#handle?.unmount();
    this.#handle = null;
  }

  attributeChangedCallback(name, before, after) {
    // At upgrade this runs for each attribute before connectedCallback, which mounts anyway.
    if (before === after || !this.#active) return;
    if (REMOUNTING.includes(name)) this.#mount();
    else if (name === 'initial-path' && after) this.navigate(after);
  }

  get getToken() {
    return this.#getToken;
  }

  set getToken(getToken) {
    const signedInByHost = this.#getToken !== null;
    this.#getToken = typeof getToken === 'function' ? getToken : null;
    // Roster asks for tokens through #getToken each time: a new function (a host's render, a
    // rotation) takes effect without mounting again; only starting or ending the host's sign-in
    // does.
    if (this.#active && signedInByHost !== (this.#getToken !== null)) this.#mount();
  }

  /**
   * Shows `path` (a route of Roster's, such as /users/invited); heard as roster:navigate. Asked
   * before Roster has loaded, Roster goes there once it has.
   */
  navigate(path) {
    if (this.#handle) this.#handle.navigate(path);
    else this.#startAt = path;
  }

  #startAt = null;

  #mount() {
    this.#generation += 1;
    const generation = this.#generation;
    this.#handle?.unmount();
    this.#handle = null;
    const config = { manageTitle: false, routerBase: this.getAttribute('router-base') ?? '' };
    const routing = this.getAttribute('routing');
    if (routing) config.routing = routing;
    const initialPath = this.#startAt ?? this.getAttribute('initial-path');
    if (initialPath) config.initialPath = initialPath;
    const apiBase = this.getAttribute('api-base');
    if (apiBase) config.apiBase = apiBase;
    if (this.#getToken) config.getToken = (...args) => this.#getToken?.(...args);
    // A console removed (or mounted again) while the code loads is not mounted at all: mounting
    // would set the host's URL to Roster's, and tell the host it is ready.
    const current = () => generation === this.#generation;
    mountWhile(this, config, current).then(
      (handle) => {
        if (!handle) return;
        if (!current()) return handle.unmount();
        this.#handle = handle;
        if (this.#startAt) handle.navigate(this.#startAt);
        this.#startAt = null;
      },
      (error) => {
        const detail = { code: 'load_failed', message: String(error?.message ?? error) };
        this.dispatchEvent(new CustomEvent('roster:error', { bubbles: true, composed: true, detail }));
      },
    );
  }
}

for (const [attribute, property] of Object.entries(ATTRIBUTES)) {
  Object.defineProperty(RosterConsole.prototype, property, {
    get() {
      return this.getAttribute(attribute);
    },
    set(value) {
      if (value === null || value === undefined) this.removeAttribute(attribute);
      else this.setAttribute(attribute, String(value));
    },
    configurable: true,
  });
}

if (!customElements.get('roster-console')) customElements.define('roster-console', RosterConsole);
