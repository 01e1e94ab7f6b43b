# The README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
OUT ?= out
TESTS ?= tests

.PHONY: demo test test-slow test-all bench system-deps clean lint docs

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# giddy (space-time analyses) pins esda<2.9; it works beside esda 2.9, so it goes in without its pins
$(VENV)/.demo-installed: $(VENV)/bin/activate setup.cfg
	$(PIP) install -q -e '.[china]' 'quantecon>=0.7' 'seaborn>=0.13'
	$(PIP) install -q --no-deps 'giddy>=2.3'
	touch $@

$(VENV)/.dev-installed: $(VENV)/bin/activate setup.cfg
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps 'giddy>=2.3'
	touch $@ $(VENV)/.demo-installed

## make demo: install the package and run `spatialhealth demo` on the bundled data into ./out/
demo: $(VENV)/.demo-installed
	$(VENV)/bin/spatialhealth demo --out $(OUT)

## system packages the tests drive for real (headless Chromium, PyQGIS)
system-deps:
	bash .ci/system-deps.sh

## make test: install dev extras and system packages, then run the test suite (slow tests excluded)
test: $(VENV)/.dev-installed system-deps
	$(PY) -m pytest -n 2 -m "not slow" $(TESTS)

## slow tests (long MCMC fits, fresh-clone install); CI runs them after `make test`
test-slow: $(VENV)/.dev-installed system-deps
	$(PY) -m pytest -n 2 -m slow $(TESTS); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

test-all: test test-slow

bench: $(VENV)/.dev-installed
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

## make lint: ruff over the package and the tests (rules in pyproject.toml)
lint: $(VENV)/.dev-installed
	$(PY) -m ruff check spatialhealth tests

$(VENV)/.docs-installed: $(VENV)/bin/activate setup.cfg
	$(PIP) install -q -e '.[docs]'
	touch $@

## make docs: the documentation site into docs/_build/html (offline, warnings are errors)
docs: $(VENV)/.docs-installed
	$(PY) -m sphinx -W --keep-going -E -b html docs docs/_build/html
	$(PY) docs/check_offline.py docs/_build/html

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache docs/_build docs/api/generated docs/gallery/notebooks
