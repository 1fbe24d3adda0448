# sctic — see README.md. `make run` serves the portal with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails and the demo-login table point at the server `make run` starts, unless SITE_URL
# is set in the environment or .env (sctic/settings.py).
DEFAULT_SITE_URL = http://$(HOST):$(PORT)

.PHONY: bench-notices run test check system system-test venv messages migrate seed demo-logins clean help

help:
	@echo "make run    — install what is missing, migrate, load demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   — the whole test suite (browser tests included)"
	@echo "make check  — ruff, makemigrations --check, manage.py check"

system:
	@scripts/system-packages.sh run

system-test:
	@scripts/system-packages.sh test

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

venv: $(BIN)/.installed

messages: venv
	@SCTIC_IGNORE_DOTENV=1 DEBUG=1 $(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=var

.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\n' "$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" > .env
	@echo "Wrote .env for local development (DEBUG=1, SQLite, no broker)."

migrate: venv .env
	$(BIN)/python manage.py migrate --noinput -v0

seed: migrate
	@SCTIC_DEFAULT_SITE_URL=$(DEFAULT_SITE_URL) $(BIN)/python manage.py seed_demo

run: system venv messages .env seed
	SCTIC_DEFAULT_SITE_URL=$(DEFAULT_SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: system-test venv messages
	$(BIN)/pytest $(PYTEST_ARGS)

check: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SCTIC_IGNORE_DOTENV=1 DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	SCTIC_IGNORE_DOTENV=1 DEBUG=1 $(BIN)/python manage.py check

bench-notices: venv
	SCTIC_IGNORE_DOTENV=1 DEBUG=1 $(BIN)/python manage.py bench_notices

clean:
	rm -rf var .pytest_cache .ruff_cache
