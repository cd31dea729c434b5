# The two commands of the quick start, and the checks CI runs.
#   make run    set up, then run the service on its embedded SQLite default
#   make test   set up, then run every test under coverage
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "inventory needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: demo

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" sh ops/demo.sh

test: $(STAMP)
	rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report
	$(BIN)/python .ci/coverage_gate.py 90

lint: $(STAMP)
	$(BIN)/ruff check inventory tests bench
	$(BIN)/ruff format --check inventory tests bench
	$(BIN)/mypy --strict inventory

bench: $(STAMP)
	$(BIN)/python bench/import_and_paging.py

clean:
	rm -rf $(VENV) .coverage .coverage.* .pytest_cache .mypy_cache .ruff_cache .hypothesis
