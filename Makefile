# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench soak clean fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/postkamer demo

test: $(STAMP)
	$(PY) -m ruff check intake routing outbound storage postkamer tests bench
	$(PY) -m mypy
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check intake routing outbound storage postkamer tests bench

typecheck: $(STAMP)
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m bench.run

soak: $(STAMP)
	$(PY) -m bench.soak --minutes $(or $(SOAK_MINUTES),30)

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/hostile -k fuzz

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
