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

.PHONY: run test test-fast lint stubs check-stubs bench bench-policy client check-client clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/burt serve

stubs: $(STAMP)
	$(CODEGEN) --output $(MODELS)

check-stubs: $(STAMP)
	@tmp=$$(mktemp -d) && $(CODEGEN) --output $$tmp/models.py \
	  && diff -u $(MODELS) $$tmp/models.py \
	  && echo "generated server models match openapi.yaml"

lint: $(STAMP)
	$(BIN)/ruff check engine service tests bench contract-tests
	$(BIN)/ruff format --check engine service tests bench contract-tests

test: $(STAMP) check-stubs lint
	$(BIN)/pytest -q tests contract-tests

test-fast: $(STAMP)
	$(BIN)/pytest -q -x -m "not slow" tests

bench: $(STAMP)
	$(PY) -m bench.performance

bench-policy: $(STAMP)
	$(PY) -m bench.policy_table

clean:
	rm -rf $(VENV) var reports
