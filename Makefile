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

.PHONY: lock run test test-fast lint typecheck stubs check-stubs bench bench-policy soak client check-client clean \
	browser docs vendor-redoc

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
lint: $(STAMP) typecheck
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

# mypy reads the package as it is installed (burt.engine from engine/, burt.service from
# service/) through a tree of symlinks: setuptools' editable install maps the folders with an
# import hook, which a static checker cannot follow.
TYPED := .mypy-tree
typecheck: $(STAMP)
	@rm -rf $(TYPED) && mkdir -p $(TYPED)/burt
	@ln -s $(CURDIR)/burt/*.py $(TYPED)/burt/
	@ln -s $(CURDIR)/engine $(TYPED)/burt/engine && ln -s $(CURDIR)/service $(TYPED)/burt/service
	@ln -s $(CURDIR)/clients/python/burt_client $(TYPED)/burt_client  # the SDK `burt report` uses
	cd $(TYPED) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml \
	  --python-executable $(CURDIR)/$(PY) --cache-dir $(CURDIR)/.mypy_cache -p burt

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
	$(PY) -m bench.file_import

bench-policy: $(STAMP)
	$(PY) -m bench.policy_table

# Minutes of mixed load, worker kills and a runaway tenant on SQLite, then on nx-27017, each
# audited at the end (not part of `make test`): `make soak SOAK_MINUTES=1` for a short one.
SOAK_MINUTES ?= 10
soak: $(STAMP)
	$(PY) -m bench.soak --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) var reports
