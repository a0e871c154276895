# Padelyzer: two commands. `make run` serves the demo; `make test` runs the whole suite.
# Both create .venv and install requirements-dev.txt (which includes requirements.txt) when needed, and use DATABASE_URL when set,
# else the embedded PostgreSQL kept in .data/.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run test ci

help:
	@echo "make run    serve the demo on http://127.0.0.1:$${PORT:-8000} (PORT=... to change)"
	@echo "make test   run the whole test suite (ARGS=\"-k foo\" passes arguments to pytest)"
	@echo "make ci     what CI runs: bash .ci/run"

venv:
	@bash scripts/bootstrap.sh

run: venv
	@$(PY) scripts/run.py

# House rules first (ruff: pyproject.toml; import layers and no cycles: .importlinter), then the suite;
# Redis for the tests: REDIS_URL, else the local default.
test: venv
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/lint-imports --no-cache
	@REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" $(PY) scripts/embedded_pg.py -- $(PY) -m pytest $(ARGS)

ci:
	@bash .ci/run
