# The one place that knows how to run things. README command 1: `make run`; command 2: `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# mypy checks the typed layers: services and selectors.
TYPED := $(wildcard */services.py */selectors.py)

.PHONY: help run test test-suite worker beat lint fmt typecheck install install-dev assets demo-code clean

help:
	@echo "make run        the app with demo data at http://127.0.0.1:8000 (SQLite, eager Celery)"
	@echo "make test       the full suite on throwaway PostgreSQL and Redis, browser tests included"
	@echo "make worker     a Celery worker (needs CELERY_BROKER_URL)"
	@echo "make beat       the Celery beat scheduler (needs CELERY_BROKER_URL)"
	@echo "make lint       ruff (lint and format check) and mypy"
	@echo "make fmt        ruff format and autofix"
	@echo "make demo-code  the demo users' current security code"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/dist/.built: node_modules/.installed static/scss/app.scss scripts/build-assets.mjs
	npm run --silent build
	@touch $@

install: $(VENV)/.installed static/dist/.built
install-dev: $(VENV)/.installed-dev static/dist/.built
assets: static/dist/.built

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Serving http://127.0.0.1:8000 - sign in with a demo user above; 'make demo-code' prints the code."
	$(MANAGE) runserver 127.0.0.1:8000

# Installs what is missing, starts throwaway PostgreSQL and Redis, runs every check, stops them.
test: install-dev
	scripts/install-system-deps.sh
	scripts/with-services.sh $(MAKE) --no-print-directory test-suite

# The checks themselves, against whatever DATABASE_URL / CELERY_BROKER_URL the environment gives.
test-suite: lint
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

fmt:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck:
	$(BIN)/mypy $(TYPED)

worker: install
	$(BIN)/celery -A dasv worker --loglevel=INFO

beat: install
	$(BIN)/celery -A dasv beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

demo-code:
	@$(MANAGE) demo_code

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles .pytest_cache .ruff_cache .mypy_cache
