# hostup.cloud developer commands. `make demo` and `make test` work on a fresh machine with
# Python 3.11+, pip, make and git: they install nox and antsibull-nox into .venv, and the
# nox sessions (noxfile.py, antsibull-nox.toml) make their own venvs in .nox/.
#   make test                 every check, with a summary of each one's time (nox -s test)
#   make demo                 the example playbooks against the HostUp simulator (nox -s demo)
#   make mutation             mutation testing of the money code with mutmut (nox -s mutation; not in make test)
#   .venv/bin/nox -l          every session; .venv/bin/nox -s sanity runs one

PYTHON ?= python3
VENV := .venv
NOX := $(VENV)/bin/nox
SETUP_STAMP := $(VENV)/.setup-done

.PHONY: demo test bench mutation setup clean

demo test bench mutation: setup
	$(NOX) -s $@

setup: $(SETUP_STAMP)

$(SETUP_STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

clean:
	rm -rf .nox build tests/output .pytest_cache importer_result.json
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -exec rm -rf {} +
