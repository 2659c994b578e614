# `make run` and `make test` are all a newcomer needs; each installs what it needs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
INSTALLED := $(VENV)/.installed
CATALOGS := $(wildcard locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

LOCK := requirements.lock

.PHONY: install lock browser nginx run migrate test test-fast lint bench bench-scale translations extract-messages clean

install: $(INSTALLED) $(COMPILED)

# Exactly the versions in the lock file, each checked against its hashes; then the bot itself, which adds
# nothing. `pip check` stops an install whose lock lacks a dependency newly added to pyproject.toml.
$(INSTALLED): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; \
	  echo "$(LOCK) does not match pyproject.toml: run 'make lock' and commit $(LOCK)"; exit 1; }
	touch $@

# After changing dependencies in pyproject.toml: pin every package, for every platform, with its hashes.
# --upgrade-package NAME=VERSION (in LOCK_ARGS) moves one package; everything else stays where it was.
LOCK_ARGS ?=
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes \
	  --no-header --quiet --output-file $(LOCK) $(LOCK_ARGS)

# The .mo files are built here, never committed: the .po files are the source.
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(PYBABEL) compile --statistics -i $< -o $@

translations: $(COMPILED)

run: install
	$(PY) -m bot

migrate: install
	$(PY) -m bot migrate

# The browser tests drive Debian's Chromium (Playwright downloads no browser); the fonts let their
# screenshots show Chinese and emoji. Installed once, with apt, when Chromium is missing.
BROWSER_PACKAGES := chromium fonts-noto-cjk fonts-noto-color-emoji
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's Chromium for the browser tests: $(BROWSER_PACKAGES)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q $(BROWSER_PACKAGES) \
	    || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $(BROWSER_PACKAGES); }; }

# The deployment test balances two bot processes with Debian's nginx, run as the test's own child (no
# root paths, no service of its own): nginx-light, or nginx on releases that no longer ship the light build.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the deployment test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q nginx-light || $$SUDO apt-get install -y -q nginx \
	    || { $$SUDO apt-get update -q && { $$SUDO apt-get install -y -q nginx-light || $$SUDO apt-get install -y -q nginx; }; }; }

test: install browser nginx
	$(PY) -m pytest

# The in-process tier, for between edits: SQLite only, no bot process, no browser, no Redis, no real-time waits,
# a quarter of the property examples (HYPOTHESIS_PROFILE, tests/conftest.py). The selection is
# the markers in pyproject.toml ([tool.pytest.ini_options]); `make test` stays the whole suite, which CI runs.
FAST_MARKERS := not e2e and not subprocess and not browser and not redis and not postgresql and not slow
test-fast: install
	TEST_DATABASES=sqlite HYPOTHESIS_PROFILE=fast $(PY) -m pytest -q -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

# The same checks as .pre-commit-config.yaml, over the whole tree: lint, formatting, strict types.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/bench_qr.py
	$(PY) bench/bench_dispatch.py
	$(PY) bench/bench_verify.py
	$(PY) bench/bench_broadcast.py
	$(PY) bench/bench_notices.py

# 100,000 people on PostgreSQL (BENCH_POSTGRES_URL, a scratch database: it is emptied first). Takes a
# while: BENCH_SCALE_ARGS="--people 20000 --only report,csv_export" for a part of it, or "--backend sqlite".
bench-scale: install
	$(PY) bench/bench_scale.py $(BENCH_SCALE_ARGS)

# After changing user-facing strings: refresh the template and merge it into each language's catalog.
extract-messages: $(INSTALLED)
	$(PYBABEL) extract -F babel.cfg -k _ -k __ -k N_ --no-location --sort-output --omit-header -o locales/messages.pot .
	$(PYBABEL) update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) $(COMPILED)
