# sarwatch — two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, start the web service with the demo case
#   make test   create .venv, install, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNELS := $(VENV)/.kernels
WEB    := src/sarwatch/web/frontend
ASSETS := src/sarwatch/web/static/dist/.built

.PHONY: run test lint bench web clean help

help:
	@echo "make run     start the web service (http://127.0.0.1:8000/) with the demo case"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff, mypy and the import contracts"
	@echo "make bench   run the benchmarks (figures in benchmarks/results/)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# numba's compiled kernels, made at set-up instead of at the first drift, route or plan
# (some 30 s on a new install; a few seconds to check once they are in numba's cache)
$(KERNELS): $(STAMP) $(shell find src/sarwatch -name '*.py')
	$(BIN)/sarwatch compile
	@touch $@

web: $(ASSETS)

# The map page: Leaflet and the page code from the npm registry (lock file), bundled
# by esbuild into static/dist/ (built, never committed; no CDN at run time).
$(ASSETS): $(wildcard $(WEB)/package.json $(WEB)/package-lock.json $(WEB)/build.mjs $(WEB)/src/*)
	@if [ -f $(WEB)/package.json ]; then \
		command -v npm >/dev/null 2>&1 || { echo "make: the map page needs Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }; \
		cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent; \
	fi
	@mkdir -p $(dir $@) && touch $@

run: $(STAMP) $(ASSETS) $(KERNELS)
	$(BIN)/sarwatch serve --demo

test: $(STAMP) $(ASSETS) $(KERNELS)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info src/sarwatch/web/static/dist
