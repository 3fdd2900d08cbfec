# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test bench drill lint audit format check-migrations lock clean backup restore

help:
	@echo "make run     start the portal at http://$(HOST):$(PORT)/ with demo data (SQLite, tasks in-process)"
	@echo "make test    run every test against throwaway PostgreSQL and Redis, and real Chromium"
	@echo "make test-fast  the same without the slow tests (browser, Celery worker, deployment, demo seeding); no Chromium"
	@echo "make bench   time the main pages on ten years of data (BENCH_SECONDS=15 per measurement)"
	@echo "make bench-postcodes  time import_postcodes on a national postcode file (2.7 million rows)"
	@echo "make drill   fault drills on real processes: Redis away, workers killed, PostgreSQL stopped, load"
	@echo "             (DRILL=redis|worker|postgres|load for one; about 10 minutes for all)"
	@echo "make lint    ruff, mypy and the migration check"
	@echo "make audit   known vulnerabilities in the pinned dependencies (vulnerabilities-accepted.txt)"
	@echo "make lock    re-pin every dependency in requirements.lock"
	@echo "make backup  back up the PostgreSQL database to var/backups/ (DATABASE_URL)"
	@echo "make restore FILE=var/backups/....dump  restore one, replaying erasures made since"

# Installs are pinned by requirements.lock; a stamp file per extra means a
# change to either file reinstalls.
# Debian and Ubuntu ship venv's pip bootstrap separately (python3-venv).
$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { \
	  echo "Python's venv module is missing: sudo apt-get install python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

$(VENV)/.installed-base: $(BIN)/python pyproject.toml requirements.lock
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c requirements.lock .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base
	$(PIP) install --quiet -c requirements.lock ".[dev]"
	touch $@

AXE := tests/browser/node_modules/.installed
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.installed-base
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo "The portal is at http://$(HOST):$(PORT)/ (Ctrl-C stops it)."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite sets up its own services: variables meant for a deployed portal
# (a real REDIS_URL, say) must not reach it.
PORTAL_VARIABLES := DJANGO_ENV DEBUG SECRET_KEY ALLOWED_HOSTS DATABASE_URL REDIS_URL EMAIL_URL \
	NFC_BASE_URL NFC_TRUSTED_PROXY_COUNT NFC_MFA_REQUIRED_FOR_ALL NFC_HOURS_PER_DAY \
	NFC_SESSION_IDLE_MINUTES NFC_SESSION_MAX_HOURS NFC_MFA_ENCRYPTION_KEY \
	NFC_HELP_FORM_MIN_SECONDS NFC_HELP_REQUESTS_PER_HOUR NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY \
	NFC_FIRST_CONTACT_WORKING_DAYS \
	NFC_FOLLOW_LINK_DAYS NFC_EVENT_OFFER_HOURS NFC_EVENT_RETENTION_DAYS NFC_INTERACTION_CORRECTION_DAYS NFC_POSTCODE_EDITION_YEAR NFC_RETENTION_DAYS NFC_ERASURE_LOG NFC_DELIVERY_ON_TRACK_SHARE NFC_DELIVERY_FAR_BEHIND_SHARE \
	NFC_RISK_WEIGHT_DAYS_MISSED NFC_RISK_WEIGHT_OVERDUE_REQUESTS NFC_RISK_WEIGHT_OVERDUE_ACTIONS \
	NFC_RISK_WEIGHT_OVERDUE_OUTCOMES NFC_OUTCOME_DUE_DAYS NFC_REPORT_SUPPRESS_BELOW \
	NFC_RISK_WEIGHT_OVERDUE_OUTCOME_RECORDS NFC_OUTCOME_RECORD_DUE_DAYS \
	NFC_DASHBOARD_CACHE_SECONDS NFC_PRIVACY_CONTACT_EMAIL NFC_PRIVACY_CONTACT_ADDRESS \
	NFC_REDIS_TIMEOUT_SECONDS NFC_REDIS_AWAY_SECONDS NFC_REPORTS_DIR NFC_REPORTS_S3_BUCKET \
	NFC_API_RATE_PER_TOKEN NFC_API_RATE_ANONYMOUS NFC_WEBHOOK_TIMEOUT_SECONDS \
	NFC_WEBHOOK_PRIVATE_ADDRESSES NFC_WEBHOOK_LOG_DAYS NFC_DB_POOLER \
	DJANGO_SETTINGS_MODULE
TEST_TMP := $(or $(TMPDIR),/tmp)/nfc-pytest-$(shell id -un)

test: $(VENV)/.installed-dev
	@bindir=$$(tests/tools/test-prerequisites) && \
	$(MAKE) --no-print-directory $(AXE) && \
	env $(addprefix -u ,$(PORTAL_VARIABLES)) NFC_PG_BINDIR=$$bindir \
	$(BIN)/python -m pytest --basetemp=$(TEST_TMP) \
	  --postgresql-exec=$(CURDIR)/tests/tools/pg_ctl $(PYTEST_ARGS)

# `make test` without the tests marked slow (tests/conftest.py marks them:
# real Chromium, a real Celery worker, the deployment's processes); still on
# PostgreSQL and Redis. Its own temporary folder, so it can run beside `make test`.
.PHONY: test-fast
test-fast: $(VENV)/.installed-dev
	@bindir=$$(tests/tools/test-prerequisites fast) && \
	env $(addprefix -u ,$(PORTAL_VARIABLES)) NFC_PG_BINDIR=$$bindir \
	$(BIN)/python -m pytest --basetemp=$(TEST_TMP)-fast \
	  --postgresql-exec=$(CURDIR)/tests/tools/pg_ctl -m "not slow" $(PYTEST_ARGS)

# Ten years of data in a throwaway PostgreSQL, served by gunicorn with the
# production settings and loaded with wrk; see README.md, "Benchmarks".
# About 8 minutes on 2 cores with the default 15 s per measurement.
BENCH_SECONDS ?= 15
bench: $(VENV)/.installed-base
	@bindir=$$(tests/tools/test-prerequisites bench) && \
	env $(addprefix -u ,$(PORTAL_VARIABLES)) NFC_PG_BINDIR=$$bindir \
	$(BIN)/python -m bench.run --seconds $(BENCH_SECONDS) $(BENCH_ARGS)

# Fault drills on real processes (throwaway PostgreSQL, Redis, gunicorn's two
# pools behind nginx, and Celery workers), one at a time; see README.md, "Fault drills". Not part of
# `make test`. DRILL=<name> runs one; DRILL_ARGS passes options, e.g.
# DRILL_ARGS="--outage-seconds 20 --seconds 30".
DRILL ?=
drill: $(VENV)/.installed-dev
	@bindir=$$(tests/tools/test-prerequisites drill) && \
	env $(addprefix -u ,$(PORTAL_VARIABLES)) NFC_PG_BINDIR=$$bindir \
	$(BIN)/python -m bench.drill $(if $(DRILL),--drill $(DRILL)) $(DRILL_ARGS)

# A made-up national postcode file shaped like the ONS Postcode Directory,
# imported by import_postcodes three ways into a throwaway PostgreSQL; see
# README.md, "Benchmarks". About 8 minutes on 2 cores, and 3 GB of disk in
# var/bench/ and /tmp while it runs. BENCH_ARGS="--rows 100000" for a quick try.
.PHONY: bench-postcodes
bench-postcodes: $(VENV)/.installed-base
	@bindir=$$(tests/tools/test-prerequisites fast) && \
	env $(addprefix -u ,$(PORTAL_VARIABLES)) NFC_PG_BINDIR=$$bindir \
	$(BIN)/python -m bench.postcodes $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

# See SECURITY.md, "Dependencies". Passes with a warning on a machine that
# cannot reach the advisories, unless NFC_AUDIT_REQUIRED=1.
audit: $(VENV)/.installed-dev
	$(BIN)/python tests/tools/audit-dependencies

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin: resolve the newest versions pyproject.toml allows in a scratch
# venv and write them down. Commit the result with the reason.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet ".[dev]"
	.venv-lock/bin/python -m pip freeze --exclude nfc-portal > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) tests/browser/node_modules var .pytest_cache .mypy_cache

# A deployed portal's database (DATABASE_URL must name its PostgreSQL); see
# README.md, "Backups".
backup: $(VENV)/.installed-base
	$(BIN)/python manage.py backup

restore: $(VENV)/.installed-base
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=var/backups/nfc-....dump" >&2; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)"
