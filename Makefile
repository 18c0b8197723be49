# Nudge: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench emulator chat clean source checkov

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set up and run Nudge locally on the embedded defaults (SQLite, local Chat API emulator, dev signing key).
run: $(STAMP)
	$(PY) -m devkit.local

## Set up and run every check: ruff, mypy --strict, pytest (emulator-backed tests included).
test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@if command -v terraform >/dev/null 2>&1; then terraform fmt -check -recursive terraform; \
	else echo "terraform not on PATH: skipping terraform fmt -check (tests/terraform runs it; CI requires it)"; fi

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## Benchmarks; results go to bench/results.json.
bench: $(STAMP)
	$(PY) -m bench

## The deployable source archive that terraform/ uploads (dist/nudge-source.zip); see docs/DEPLOY.md.
source: $(STAMP)
	$(PY) scripts/build_source.py

## checkov over terraform/, from its own venv (.venv-checkov, created on first use; tests/terraform runs it too).
checkov: $(STAMP)
	$(PY) scripts/checkov.py

## The local Chat API emulator on its own.
emulator: $(STAMP)
	$(VENV)/bin/nudge emulator

## Talk to the locally running app from the terminal.
chat: $(STAMP)
	$(VENV)/bin/nudge chat

clean:
	rm -rf $(VENV) .venv-checkov dist .mypy_cache .ruff_cache .pytest_cache .nudge
