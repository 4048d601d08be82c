# Two commands do all set-up on a fresh machine:
#   make run    start the whole center on SQLite with the bundled config
#   make test   lint, type-check and run the whole test suite (real peers included)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages of the real peers the end-to-end tests start: binary=package
PEERS := unbound=unbound unbound-checkconf=unbound named-checkzone=bind9-utils named-checkconf=bind9-utils \
	named=bind9 pdns_recursor=pdns-recursor \
	prometheus=prometheus promtool=prometheus dnsmasq=dnsmasq-base openssl=openssl \
	kamailio=kamailio kamcmd=kamailio sipp=sip-tester chromium=chromium
# Files (under /usr/lib/<arch>/) that packages without a binary of their own bring: file=package
PEER_FILES := kamailio/modules/http_client.so=kamailio-utils-modules kamailio/modules/jansson.so=kamailio-extra-modules

.PHONY: run test lint unit e2e peers venv eval bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Install missing real-peer binaries from Debian when we are root; otherwise the tests say what is missing.
peers:
	@missing=""; for pair in $(PEERS); do bin=$${pair%%=*}; pkg=$${pair##*=}; \
	  command -v $$bin >/dev/null 2>&1 || [ -x /usr/sbin/$$bin ] || missing="$$missing $$pkg"; done; \
	for pair in $(PEER_FILES); do file=$${pair%%=*}; pkg=$${pair##*=}; \
	  ls /usr/lib/*/$$file >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "not root: real-peer tests will be skipped (missing:$$missing)"; fi; \
	fi

run: venv
	mkdir -p var
	$(BIN)/antifraud serve

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

test: venv peers lint
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/pytest -q

unit: venv
	$(BIN)/pytest -q tests/unit

e2e: venv peers
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/pytest -q -m e2e

# The console's catalogues: extract the msgids, merge them into each language's .po, compile the .mo.
# (The console also compiles a .po newer than its .mo in memory at start, so a fresh clone needs no build.)
LOCALES := antifraud/console/locale
messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(LOCALES)/console.pot .
	$(BIN)/pybabel update -D console -i $(LOCALES)/console.pot -d $(LOCALES) --ignore-obsolete -w 120
	$(BIN)/pybabel compile -D console -d $(LOCALES) --statistics

eval: venv
	$(BIN)/python benchmarks/eval_lookalikes.py

bench: venv
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis var
