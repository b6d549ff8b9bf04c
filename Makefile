# picofan: the front door. `make demo` and `make test` set everything up themselves.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STUBS := $(VENV)/pico-stubs
PICO_STUBS := micropython-rp2-rpi-pico-w-stubs==1.29.0.post1

.PHONY: help setup test lint bench docs clean

help:
	@echo "make demo      the monitor on a virtual Pico (no hardware needed)"
	@echo "make test      the whole test suite (sets up .venv and node_modules first)"
	@echo "make bench     print the benchmarks' figures"

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --upgrade --target $(STUBS) $(PICO_STUBS)
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(VENV)/bin/pytest

bench: setup
	$(PY) benchmarks/firmware_memory.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache

docs: setup
	$(PY) docs/generate.py
