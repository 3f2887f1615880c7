# burt — `make run` serves on the embedded SQLite store, `make test` runs everything CI runs,
# `make dist` builds the wheel into dist/.
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

.PHONY: lock run dist test test-fast lint typecheck stubs check-stubs bench bench-policy bench-segments \
	soak client check-client \
	clean browser docs vendor-redoc

# Installs from requirements.lock: the exact versions the suite last passed with. `make run`
# installs what serving needs (burt, the SDK it carries, their dependencies); `make test` and
# the other development targets add the dev extra to the same virtualenv.
LOCK := requirements.lock
RUNTIME := $(VENV)/.runtime
# setuptools reports every editable install as a warning ("Editable installation. Please be
# careful with folders ..."), which pip shows; it is a note, so the runtime install drops it.
$(RUNTIME): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

# Re-resolve the lock on purpose (review its diff like any other change), then reinstall.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml clients/python/pyproject.toml --extra dev \
	  --universal --python-version 3.11 --custom-compile-command "make lock" --quiet -o $(LOCK)
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'

run: $(RUNTIME)
	$(BIN)/burt serve

# One wheel: burt.engine, burt.service and the generated SDK (burt_client) the CLI uses.
dist: $(STAMP)
	$(BIN)/uv build --wheel --out-dir dist .

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
lint: $(STAMP) typecheck
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# mypy reads the package as laid out: burt/engine and burt/service link to engine/ and service/.
typecheck: $(STAMP)
	$(BIN)/mypy --config-file pyproject.toml --python-executable $(PY) -p burt

test: $(STAMP) browser check-stubs check-client lint
	$(BIN)/pytest -q tests contract-tests

test-fast: $(STAMP) browser
	$(BIN)/pytest -q -x -m "not slow" tests

# The docs-portal tests drive Debian's headless Chromium through chromedriver (CI runs as root).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi

# The API reference page as one self-contained file, for a docs portal to host (also at /docs).
docs: $(STAMP)
	$(BIN)/burt docs --output docs/api.html

# Refresh the vendored Redoc bundle from the npm registry (then update REDOC_VERSION to match).
REDOC_VERSION := $(shell sed -n 's/^REDOC_VERSION = "\(.*\)"/\1/p' service/edge/docs_portal.py)
vendor-redoc:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && cd $$tmp && npm pack --silent redoc@$(REDOC_VERSION) \
	  && tar xzf redoc-$(REDOC_VERSION).tgz && cd - >/dev/null \
	  && cp $$tmp/package/bundles/redoc.standalone.js $$tmp/package/bundles/redoc.standalone.js.LICENSE.txt service/static/ \
	  && cp $$tmp/package/LICENSE service/static/redoc.LICENSE && echo "service/static: redoc $(REDOC_VERSION)"

bench: $(STAMP)
	$(PY) -m bench.performance
	$(PY) -m bench.segment_performance
	$(PY) -m bench.file_import

bench-policy: $(STAMP)
	$(PY) -m bench.policy_table
	$(PY) -m bench.coverage

# The same per segment (one process; docs/design/0015-segments.md has the table).
bench-segments: $(STAMP)
	$(PY) -m bench.segment_table

# Minutes of mixed load, worker kills and a runaway tenant on SQLite, then on nx-27017, each
# audited at the end (not part of `make test`): `make soak SOAK_MINUTES=1` for a short one.
SOAK_MINUTES ?= 10
soak: $(STAMP)
	$(PY) -m bench.soak --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) var reports dist build
