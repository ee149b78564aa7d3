# Two entry points for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

DEMO_SERVICE_USERS ?= 1000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck coverage-service lock bench bench-quick bench-api install clean

## Exact versions, checked by hash, from requirements-lock.txt (see `make lock`); then carecluster itself.
$(STAMP): pyproject.toml requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-lock.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## Refresh the lock after changing a dependency in pyproject.toml: every package pinned with its
## hashes, for Python 3.11 on any platform; pins already in the lock are kept where they still fit.
## `make lock LOCK_FLAGS=--upgrade` takes the newest releases instead. Review the diff, commit it.
LOCK_FLAGS ?=
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
		--no-header --quiet $(LOCK_FLAGS) -o requirements-lock.txt

## The NHS.UK frontend, Swagger UI (and axe-core for the accessibility tests), from the npm registry;
## then the files the app serves are copied into the package (committed: a wheel needs no Node.js).
node_modules/.package-lock.json: package.json package-lock.json
	scripts/ensure-node.sh
	npm ci --no-audit --no-fund --silent
	$(PYTHON) scripts/build_frontend.py

install: $(STAMP) node_modules/.package-lock.json

## The main job: the carecluster service on SQLite (./data), seeded with synthetic demo data once.
run: $(STAMP) node_modules/.package-lock.json
	$(BIN)/carecluster demo-data --if-empty --service-users $(DEMO_SERVICE_USERS)
	@echo "carecluster: http://$(HOST):$(PORT)/docs - demo logins demo.clinician, demo.teamlead, demo.auditor, demo.admin (password: carecluster-demo)"
	$(BIN)/carecluster serve --host $(HOST) --port $(PORT)

## Everything CI checks: lint, then the whole test suite (on SQLite and on a throw-away PostgreSQL).
test: $(STAMP) node_modules/.package-lock.json
	scripts/ensure-chromium.sh
	scripts/ensure-postgres.sh
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

## Type check (also part of `make test`): all of src/carecluster ([tool.mypy] in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

## Line coverage of the use cases (service/) from their fast unit tests alone (tests/service, on the fake unit of work).
coverage-service: $(STAMP)
	$(BIN)/pytest -q tests/service --cov=carecluster.service --cov-report=term

bench: $(STAMP)
	$(BIN)/python scripts/write_performance_doc.py

bench-quick: $(STAMP)
	$(BIN)/python scripts/write_performance_doc.py --quick

bench-api: $(STAMP)
	$(BIN)/python benchmarks/api.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
