# Two commands set up everything on a fresh machine:
#   make run   - virtualenv, install, load the sample data (if the warehouse is empty), start the app
#                (on 127.0.0.1 only; with sign-in configured, ADDRESS=0.0.0.0 listens on every interface)
#   make test  - install what the tests need (Debian's chromium and Java included) and run every test

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Empty: the address in .streamlit/config.toml (127.0.0.1). serve.py refuses any other without sign-in.
ADDRESS ?=
CHROMIUM := /usr/bin/chromium
# Spark (python -m cxkpi kpis --engine spark, and its tests) runs on Java 17.
JAVA := /usr/lib/jvm/java-17-openjdk-$(shell dpkg --print-architecture 2>/dev/null || echo amd64)/bin/java
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint bench sample clean messages

run: $(VENV)/.installed-app
	$(BIN)/python -m cxkpi ingest sample_data --if-empty
	$(BIN)/python serve.py --server.port $(PORT) $(if $(ADDRESS),--server.address $(ADDRESS))

test: $(VENV)/.installed-dev $(CHROMIUM) $(JAVA)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py

# The messages of the app, the CLI and the slide into locale/cxkpi.pot, and each catalog updated from it
# (README: Languages). The catalogs are compiled when the app first uses a language: no build step.
messages: $(VENV)/.installed-app
	$(BIN)/pybabel extract -F babel.cfg -k plural:2,3 -k N_ -k N_plural:1,2 --no-location --sort-output \
		--omit-header -o locale/cxkpi.pot .
	$(BIN)/pybabel update -i locale/cxkpi.pot -d locale -D cxkpi --ignore-obsolete --width 116

sample: $(VENV)/.installed-app
	$(BIN)/python -m cxkpi sample

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-app

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

$(JAVA):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless

# Leaves data/cxkpi.duckdb, data/inbox and data/archive alone: the archive is what `rebuild` restores from.
clean:
	rm -rf $(VENV) data/bench data/bench10 data/bench_formats data/bench_browser .pytest_cache .ruff_cache
