# Two entry points for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The NHS.UK frontend (and axe-core for the accessibility tests), from the npm registry.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

install: $(STAMP) node_modules/.package-lock.json

## The main job: a demo of explained cluster allocation in the terminal.
run: $(STAMP) node_modules/.package-lock.json
	$(BIN)/carecluster demo

## Everything CI checks: lint, then the whole test suite.
test: $(STAMP) node_modules/.package-lock.json
	scripts/ensure-chromium.sh
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/allocate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
