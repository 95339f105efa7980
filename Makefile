# Short named targets. `make run` and `make test` work on a fresh clone (they create .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run web worker migrate demo test lint fmt contracts pytest ci bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@test -x $(PY) || { echo "Creating $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@echo "Installing requirements.txt into $(VENV) ..."
	@$(PY) -m pip install --disable-pip-version-check --progress-bar on -q --upgrade pip
	@$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) ## Create .venv and install requirements.txt

run: export DJANGO_DEBUG ?= true
run: install ## Migrate, load demo data, start web (127.0.0.1:8000) + worker + scheduler
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Starting web on http://127.0.0.1:8000/ and a Celery worker with beat (Ctrl-C stops all)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: install ## Load the demo users and rooms (idempotent)
	$(PY) manage.py seed_demo

test: install lint contracts pytest ## Lint, check app boundaries, run the test suite

lint: install ## ruff (lint and format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install ## Format and auto-fix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

contracts: install ## import-linter: apps import each other's events modules only
	$(BIN)/lint-imports --no-cache

pytest: install ## Only the test suite (PYTEST_ARGS="-k booking" to narrow it)
	$(PY) -m pytest $(PYTEST_ARGS)

ci: ## What CI runs: the suite on the embedded default, then on PostgreSQL and Redis
	bash .ci/run

clean: ## Remove the venv, local databases, broker folders and caches
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis

bench: install ## Benchmarks on PostgreSQL (wrk and pgbench; installs wrk with apt if missing)
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk || { echo "wrk is needed: apt-get install wrk"; exit 1; })
	$(PY) bench/run.py $(BENCH_ARGS)
