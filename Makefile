# Two commands for a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAW ?= ../shared/data/raw

.PHONY: demo test test-all typecheck bench load data docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,build,app]"
	touch $(STAMP)

# Debian's Chromium for the report test (skipped with a reason if it cannot be installed).
$(VENV)/.chromium:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || true
	touch $@

# The shipped Canada scenarios against baseline-2024: terminal summary + out/report.html.
demo: $(STAMP)
	$(BIN)/tradeshock demo --out out
	@echo "open out/report.html in a browser (an overview with one page per scenario in out/report_files/; works offline)"

test: $(STAMP) $(VENV)/.chromium typecheck
	$(BIN)/python -m pytest -q -n 2 -m 'not slow'

# mypy on the whole package (pyproject.toml [tool.mypy]; the modules still being typed are listed
# in its overrides with ignore_errors).
typecheck: $(STAMP)
	$(BIN)/python -m mypy

test-all: $(STAMP) $(VENV)/.chromium
	$(BIN)/python -m pytest -q -n 2 -m ""

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# 20 simulated users for 60 s against a dashboard on a loopback port (stops by itself).
load: $(STAMP)
	$(BIN)/python benchmarks/load.py

data: $(STAMP)
	$(BIN)/tradeshock data build --raw $(RAW)

clean:
	rm -rf $(VENV) out .pytest_cache
