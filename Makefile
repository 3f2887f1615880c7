# burt — `make run` serves on the embedded SQLite store, `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

# Generated server-side request/response types (datamodel-code-generator, pinned in pyproject).
MODELS := service/generated/models.py
CODEGEN = $(BIN)/datamodel-codegen --input openapi.yaml --input-file-type openapi \
	--openapi-scopes schemas paths --output-model-type msgspec.Struct --disable-timestamp \
	--enum-field-as-literal all --strict-nullable --extra-template-data service/generated/template-data.json \
	--formatters ruff-format ruff-check

.PHONY: lock run test test-fast lint stubs check-stubs bench bench-policy client check-client clean

# Installs from requirements.lock: the exact versions the suite last passed with.
LOCK := requirements.lock
$(STAMP): pyproject.toml clients/python/pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
	$(BIN)/pip install --quiet -c $(LOCK) -e ./clients/python
	touch $(STAMP)

# Re-resolve the lock on purpose (review its diff like any other change), then reinstall.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml clients/python/pyproject.toml --extra dev \
	  --universal --python-version 3.11 --custom-compile-command "make lock" --quiet -o $(LOCK)
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]' -e ./clients/python

run: $(STAMP)
	$(BIN)/burt serve

stubs: $(STAMP)
	$(CODEGEN) --output $(MODELS)

check-stubs: $(STAMP)
	@# generated inside the tree, so the formatter reads the same pyproject settings
	@tmp=$$(mktemp -d -p service/generated) && trap 'rm -rf $$tmp' EXIT \
	  && $(CODEGEN) --output $$tmp/models.py && diff -u $(MODELS) $$tmp/models.py \
	  && echo "generated server models match openapi.yaml"

client: $(STAMP)
	clients/generate.sh

check-client: $(STAMP)
	clients/generate.sh --check

LINTED := burt engine service tests testing_support bench contract-tests examples
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

test: $(STAMP) check-stubs check-client lint
	$(BIN)/pytest -q tests contract-tests

test-fast: $(STAMP)
	$(BIN)/pytest -q -x -m "not slow" tests

bench: $(STAMP)
	$(PY) -m bench.performance
	$(PY) -m bench.file_import

bench-policy: $(STAMP)
	$(PY) -m bench.policy_table

clean:
	rm -rf $(VENV) var reports
