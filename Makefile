# picofan: the front door. Every target sets up what it needs first, once:
# make demo / monitor / flash only picofan and its runtime packages (.venv/.runtime);
# make test also the test tools, the Pico stubs and Node's packages (make setup).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PICOFAN := $(VENV)/bin/picofan
STUBS := $(VENV)/pico-stubs
# The stubs of the one MicroPython release (host/picofan/micropython.py says which).
PICO_STUBS := micropython-rp2-rpi-pico-w-stubs==1.29.0.post1
RUNTIME := $(VENV)/.runtime
DEVKIT := $(VENV)/.devkit
NODE := node_modules/.installed
BROKER := $(VENV)/.broker
SETUP_LOG := $(VENV)/setup.log

# The tests run in parallel (pytest-xdist): most of their time is spent waiting on
# subprocesses, MicroPython, the broker and tmux, not computing (docs/performance.md).
# With Python's bytecode cache on (an environment may turn it off): else each of the
# hundreds of `picofan` processes the tests start compiles its modules again.
WORKERS ?= 4
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup

# make flash PORT=/dev/ttyACM0 TOOL=ampy MPY=0 ; make micropython UF2=file.uf2
PORT ?=
TOOL ?= mpremote
MPY ?= 1
UF2 ?=
port_arg = $(if $(PORT),--port $(PORT))

# --no-compile: Python compiles each module when it is first imported; compiling every
# installed module up front took longer than the rest of the setup (docs/performance.md).
PIP := $(PY) -m pip install --disable-pip-version-check --no-compile

# $(call quietly,COMMANDS): the installers' chatter goes to the setup log, which is
# shown only when a step fails.
define quietly
@mkdir -p $(VENV); { $(1); } >>$(SETUP_LOG) 2>&1 || { \
	echo "picofan: setup failed; the end of $(SETUP_LOG):"; tail -n 30 $(SETUP_LOG); exit 1; }
endef

.PHONY: help setup demo monitor sim test check lint bench docs wiring flash micropython repl reset clean

help:
	@echo "make demo          the live monitor on a virtual Pico (no hardware needed)"
	@echo "make test          the whole test suite"
	@echo "make check         the quick tier: the tests not marked slow (a working loop)"
	@echo "make micropython   put MicroPython on a Pico W held in BOOTSEL (UF2=file to choose)"
	@echo "make flash         copy the firmware to the Pico as .mpy (PORT=, TOOL=mpremote|ampy, MPY=0: .py)"
	@echo "make monitor       the live monitor on the real board (PORT= to choose)"
	@echo "make repl | reset  the board's REPL | a soft reset"
	@echo "make sim           a virtual Pico on a pseudo-terminal, with its console"
	@echo "make wiring        regenerate the drawings and tables in wiring/"
	@echo "make docs          regenerate the tables in docs/"
	@echo "make bench         print the benchmarks' figures"

setup: $(DEVKIT) $(NODE) $(BROKER)

$(RUNTIME): pyproject.toml
	@echo "picofan: one-time setup, about a minute: picofan and its runtime packages into $(VENV)/"
	$(call quietly,python3 -m venv $(VENV) && $(PIP) -e .)
	@touch $@

$(DEVKIT): $(RUNTIME)
	@echo "picofan: one-time setup, about a minute: the test tools and the Pico stubs into $(VENV)/"
	$(call quietly,$(PIP) -e '.[dev]' && $(PIP) --upgrade --target $(STUBS) $(PICO_STUBS))
	@touch $@

$(NODE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "picofan: make test needs Node.js 20 or newer \
	(npm): the tests run the firmware on MicroPython's WebAssembly build"; exit 1; }
	@echo "picofan: one-time setup: MicroPython's WebAssembly build (npm ci), for the tests"
	$(call quietly,npm ci --no-audit --no-fund --loglevel=error)
	@touch $@

# The tests' MQTT broker: Mosquitto where this machine can install it (root, with apt-get),
# as CI has; elsewhere the tests use amqtt from PyPI (the dev extras) unless Mosquitto is there.
$(BROKER): $(RUNTIME)
	@if ! command -v mosquitto >/dev/null && [ ! -x /usr/sbin/mosquitto ] && \
	[ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	echo "picofan: one-time setup: Mosquitto, the tests' MQTT broker (apt-get)"; fi
	$(call quietly,if ! command -v mosquitto && [ ! -x /usr/sbin/mosquitto ] && \
	[ "$$(id -u)" = 0 ] && command -v apt-get; then apt-get update && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mosquitto; fi)
	@touch $@

demo: $(RUNTIME)
	$(PICOFAN) monitor --sim

monitor: $(RUNTIME)
	$(PICOFAN) monitor $(port_arg)

sim: $(RUNTIME)
	$(PICOFAN) sim

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(VENV)/bin/mypy
	$(PYTEST)

check: setup lint
	$(VENV)/bin/mypy
	$(PYTEST) -m 'not slow'

# Every benchmarks/*.py at its defaults (memory.py: all its measurements); mp_*.py and
# memory_mp/ run inside MicroPython, rigs/ are the rigs the benchmarks share with the tests,
# control_quality_*.py are parts of control_quality.py, not benchmarks of their own.
bench: setup
	for b in benchmarks/*.py; do case $$b in */mp_*|*/control_quality_*) ;; *) $(PY) $$b || exit 1;; esac; done

docs: setup
	$(PY) docs/generate.py

wiring: setup
	$(PY) -m wiring

flash: $(RUNTIME)
	$(PICOFAN) flash --tool $(TOOL) $(port_arg) $(if $(filter 0,$(MPY)),--py)

micropython: $(RUNTIME)
	$(PICOFAN) micropython $(if $(UF2),--uf2 $(UF2))

repl: $(RUNTIME)
	$(PICOFAN) repl $(port_arg)

reset: $(RUNTIME)
	$(PICOFAN) reset $(port_arg)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
