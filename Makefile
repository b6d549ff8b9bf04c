# picofan: the front door. Every target sets up what it needs first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PICOFAN := $(VENV)/bin/picofan
STUBS := $(VENV)/pico-stubs
PICO_STUBS := micropython-rp2-rpi-pico-w-stubs==1.29.0.post1

# make flash PORT=/dev/ttyACM0 TOOL=ampy MPY=1 ; make micropython UF2=file.uf2
PORT ?=
TOOL ?= mpremote
MPY ?= 0
UF2 ?=
port_arg = $(if $(PORT),--port $(PORT))

.PHONY: help setup demo monitor sim test lint bench docs wiring flash micropython repl reset clean

help:
	@echo "make demo          the live monitor on a virtual Pico (no hardware needed)"
	@echo "make test          the whole test suite"
	@echo "make micropython   put MicroPython on a Pico W held in BOOTSEL (UF2=file to choose)"
	@echo "make flash         copy the firmware to the Pico (PORT=, TOOL=mpremote|ampy, MPY=1)"
	@echo "make monitor       the live monitor on the real board (PORT= to choose)"
	@echo "make repl | reset  the board's REPL | a soft reset"
	@echo "make sim           a virtual Pico on a pseudo-terminal, with its console"
	@echo "make wiring        regenerate the drawings and tables in wiring/"
	@echo "make docs          regenerate the tables in docs/"
	@echo "make bench         print the benchmarks' figures"

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

demo: setup
	$(PICOFAN) monitor --sim

monitor: setup
	$(PICOFAN) monitor $(port_arg)

sim: setup
	$(PICOFAN) sim

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(VENV)/bin/pytest

bench: setup
	for b in benchmarks/*.py; do case $$b in */mp_*) ;; *) $(PY) $$b || exit 1;; esac; done

docs: setup
	$(PY) docs/generate.py

wiring: setup
	$(PY) wiring/draw.py

flash: setup
	$(PY) -m picofan.deploy flash --tool $(TOOL) $(port_arg) $(if $(filter 1,$(MPY)),--mpy)

micropython: setup
	$(PY) -m picofan.deploy micropython $(if $(UF2),--uf2 $(UF2))

repl: setup
	$(PY) -m picofan.deploy repl $(port_arg)

reset: setup
	$(PY) -m picofan.deploy reset $(port_arg)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
