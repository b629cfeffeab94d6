# Roster: `make run` builds and starts the console with demo data; `make test` runs everything CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

LISTEN ?= 127.0.0.1:8080
DATABASE ?= sqlite://data/roster.db
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
SERVER := $(TARGET_DIR)/release/roster-server
DNS_FIXTURE := $(TARGET_DIR)/release/roster-dns-fixture
CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: run build app server fixtures setup setup-test test lint unit unit-postgres wasm-test e2e e2e-postgres contract scim size bench clean

SECRET_KEY ?= data/secret.key

HOST_LISTEN ?= 127.0.0.1:8081
# The example host console (examples/host) embeds Roster from a second origin, signing its people in
# with the test issuer's tokens (server/tests/fixtures/host-sign-in: a demo key, never a real one).
EMBEDDING := --allowed-origin http://$(HOST_LISTEN) --trusted-issuer https://console.host.example \
	--trusted-audience roster --trusted-jwks server/tests/fixtures/host-sign-in/jwks.json

run: build
	@mkdir -p data
	@test -f $(SECRET_KEY) || $(SERVER) create-secret-key $(SECRET_KEY)
	node examples/host/server.mjs --listen $(HOST_LISTEN) --roster http://$(LISTEN) & host=$$!; \
	trap 'kill $$host 2>/dev/null' EXIT; \
	$(SERVER) --database $(DATABASE) --secret-key-file $(SECRET_KEY) serve --listen $(LISTEN) --static dist --demo --mail-dir data/mail $(EMBEDDING)

build: setup app server

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

app:
	node scripts/build-app.mjs

server:
	cargo build --release --locked -p roster-server

test: setup-test lint unit unit-postgres wasm-test e2e e2e-postgres contract scim size
	@echo "All checks passed."

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p roster --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
	cargo clippy -p roster --target wasm32-unknown-unknown --lib --bins --features split --locked -- -D warnings

unit:
	cargo test --workspace --locked

# The server suite (API, authorization, lifecycle, import crash test, ...) once more on PostgreSQL,
# a database per test on a throw-away cluster.
unit-postgres:
	scripts/with-postgres.sh cargo test -p roster-server --test api --locked

wasm-test:
	CHROMEDRIVER=$(CHROMEDRIVER) WASM_BINDGEN_TEST_TIMEOUT=120 \
		cargo test -p roster --target wasm32-unknown-unknown --test browser --locked

# Real protocol peers the e2e suite talks to (the loopback DNS server).
fixtures:
	cargo build --release --locked -p roster-testkit

e2e: app server fixtures
	ROSTER_SERVER=$(SERVER) ROSTER_DNS_FIXTURE=$(DNS_FIXTURE) npx playwright test --config tests/e2e/playwright.config.ts

# The same suite once more with the server on PostgreSQL.
e2e-postgres: app server fixtures
	ROSTER_SERVER=$(SERVER) ROSTER_DNS_FIXTURE=$(DNS_FIXTURE) scripts/with-postgres.sh \
		npx playwright test --config tests/e2e/playwright.config.ts

# What the first page downloads, against the budget in size-budget.json.
size: app
	node scripts/size-check.mjs dist

# The API against the OpenAPI document it publishes (Schemathesis).
contract: server fixtures
	ROSTER_SERVER=$(SERVER) ROSTER_DNS_FIXTURE=$(DNS_FIXTURE) scripts/contract.sh

# SCIM 2.0 at /scim/v2 against scim2-tester and scim-sanity.
scim: server
	ROSTER_SERVER=$(SERVER) scripts/scim-conformance.sh

bench: build
	ROSTER_SERVER=$(SERVER) scripts/bench.sh

clean:
	cargo clean
	rm -rf dist node_modules test-results playwright-report .tools
