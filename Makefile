# `make demo` and `make test` work on a fresh machine with Python 3.10+:
# the first run creates .venv and installs the project with its test extras.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

demo: $(STAMP)
	$(VENV)/bin/python -m bot demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_numbers.py
	$(VENV)/bin/python benchmarks/bench_pacing.py
	$(VENV)/bin/python benchmarks/bench_ack.py

clean:
	rm -rf $(VENV) callbot.db callbot.db-wal callbot.db-shm *.egg-info
