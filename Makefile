# The two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
UI_INSTALLED := ui/node_modules/.installed
UI_BUILT := job_monitor/backend/static/index.html
UI_SOURCES := $(shell find ui -path ui/node_modules -prune -o -type f -print 2>/dev/null) schema.graphql

.PHONY: run test install ui lint typecheck pytest schema chromium bench clean

run: install $(UI_BUILT)
	$(BIN)/job-monitor serve --host 127.0.0.1 --port 8000

test: install $(UI_BUILT) chromium lint typecheck pytest

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,local]'
	touch $@

$(UI_INSTALLED): ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

ui: $(UI_BUILT)

$(UI_BUILT): $(UI_INSTALLED) $(UI_SOURCES)
	cd ui && npm run build

# Chromium comes from Debian's packages; no tool downloads its own browser.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

lint: install $(UI_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd ui && npm run lint && npm run typecheck && npm run test

typecheck: install
	$(BIN)/mypy

# The browser tests run on their own: Playwright's sync API keeps an event loop running in its process,
# which would break the asyncio tests that an xdist worker runs after them. Among themselves they share
# workers well: two take 102 tests from 12 to under 10 minutes, with the rest of this machine busy.
pytest: install $(UI_BUILT)
	$(BIN)/pytest -n 2 --ignore=tests/e2e
	$(BIN)/pytest -n 2 tests/e2e

schema: install
	$(BIN)/job-monitor export-schema

bench: install
	$(BIN)/python benchmarks/service.py
	$(BIN)/python benchmarks/local_workspace.py
	$(BIN)/python benchmarks/job_health.py

clean:
	rm -rf $(VENV) ui/node_modules job_monitor/backend/static .local-workspace
