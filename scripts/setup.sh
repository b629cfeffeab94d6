#!/usr/bin/env bash
# Installs what building and testing Roster needs, skipping whatever is already there.
# Usage: scripts/setup.sh build   (Rust wasm target, wasm-split-cli, wasm-bindgen-cli, npm tools)
#        scripts/setup.sh test    (the above, plus Chromium and ChromeDriver for the browser tests,
#                                  and PostgreSQL for the server suite's second run)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_SPLIT_VERSION=0.2.4
SCHEMATHESIS_VERSION=4.32.5
SCIM2_TESTER_VERSION=0.5.2
SCIM_SANITY_VERSION=0.7.4
want=${1:-build}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is required: $2" >&2; exit 1; }
}

need cargo "install Rust with rustup (https://rustup.rs)"
need rustup "install Rust with rustup (https://rustup.rs)"
need node "install Node.js 20 or newer"
need npm "install Node.js 20 or newer (npm comes with it)"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-split-cli cuts the app's wasm into the first page and chunks loaded later (scripts/build-app.mjs).
if ! command -v wasm-split-cli >/dev/null 2>&1 \
  || ! cargo install --list | grep -qx "wasm_split_cli_support v${WASM_SPLIT_VERSION}:"; then
  say "Installing wasm-split-cli ${WASM_SPLIT_VERSION} (about a minute, once)"
  cargo install --locked "wasm_split_cli_support@${WASM_SPLIT_VERSION}" --features build-binary
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$wbg_version" ]; then
  echo "error: no wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${wbg_version}\$" \
  || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  say "Installing wasm-bindgen-cli ${wbg_version} (about two minutes, once)"
  # Without --locked: a dependency version locked by that release is not available from every registry.
  cargo install --force "wasm-bindgen-cli@${wbg_version}"
fi

# npm tools: wasm-opt (binaryen) for the app build, Playwright and axe for the e2e tests.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/@playwright/test ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "Installing npm tools"
  npm ci --no-audit --no-fund
fi

cargo fetch --locked >/dev/null

if [ "$want" = test ]; then
  # Schemathesis checks the API against its OpenAPI document (make contract), from a local venv.
  if ! .tools/schemathesis/bin/st --version 2>/dev/null | grep -q " v\?${SCHEMATHESIS_VERSION}\$"; then
    need python3 "install Python 3 with its venv module (Debian: python3-venv)"
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "Installing Python's venv module from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      else
        echo "error: Python's venv module is missing. On Debian: sudo apt-get install python3-venv" >&2
        exit 1
      fi
    fi
    say "Installing Schemathesis ${SCHEMATHESIS_VERSION} into .tools/schemathesis (about a minute, once)"
    rm -rf .tools/schemathesis
    python3 -m venv .tools/schemathesis
    .tools/schemathesis/bin/pip install --quiet --disable-pip-version-check "schemathesis==${SCHEMATHESIS_VERSION}"
  fi
  # SCIM conformance checkers (make scim), from their own venv.
  if ! .tools/scim/bin/python -c "
import importlib.metadata as m, sys
sys.exit(m.version('scim2-tester') != '${SCIM2_TESTER_VERSION}' or m.version('scim-sanity') != '${SCIM_SANITY_VERSION}')
" 2>/dev/null; then
    say "Installing scim2-tester ${SCIM2_TESTER_VERSION} and scim-sanity ${SCIM_SANITY_VERSION} into .tools/scim (once)"
    rm -rf .tools/scim
    python3 -m venv .tools/scim
    .tools/scim/bin/pip install --quiet --disable-pip-version-check \
      "scim2-tester[httpx2]==${SCIM2_TESTER_VERSION}" "scim2-client==0.13.2" "scim2-models==0.12.3" \
      "scim-sanity==${SCIM_SANITY_VERSION}"
  fi
  # PostgreSQL: the server suite runs once more on a throw-away cluster (scripts/with-postgres.sh).
  if ! command -v pg_virtualenv >/dev/null 2>&1 \
    || ! ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "Installing PostgreSQL from Debian (about a minute, once)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      echo "error: the server tests need PostgreSQL (pg_virtualenv and pg_trgm)." >&2
      echo "       On Debian: sudo apt-get install postgresql" >&2
      exit 1
    fi
  fi
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "Installing Chromium and ChromeDriver from Debian"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
      echo "error: the browser tests need /usr/bin/chromium and /usr/bin/chromedriver." >&2
      echo "       On Debian: sudo apt-get install chromium chromium-driver" >&2
      exit 1
    fi
  fi
fi
