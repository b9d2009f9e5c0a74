# Two commands do all the set-up on a fresh machine:
#   make demo   installs everything and starts the back office with demo data
#   make test   installs everything and runs the whole test suite (SQLite, then PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install demo test test-sqlite test-postgres browser-deps

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,redis]"
	touch $@

demo: install
	DEBUG=true $(PY) manage.py demo

# Debian's chromium drives the browser tests (Playwright's own browser download does not work here).
browser-deps:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } || echo "chromium missing: browser tests will be skipped"

test: install browser-deps
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(PY) -m pytest -q

# Runs when PostgreSQL answers; CI (CI=true) requires it.
test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(POSTGRES_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(POSTGRES_TEST_URL) $(PY) -m pytest -q; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable at $(POSTGRES_TEST_URL)"; exit 1; \
	else echo "PostgreSQL not reachable at $(POSTGRES_TEST_URL): skipped the PostgreSQL run"; fi
