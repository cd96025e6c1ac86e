# hostup.cloud developer commands. `make demo` and `make test` work on a fresh
# machine with Python 3.11+, pip, make and git: they install what they need into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# This checkout seen as the installed collection hostup.cloud (a symlink tree).
COLLECTIONS := $(CURDIR)/$(VENV)/collections
SETUP_STAMP := $(VENV)/.setup-done

export PATH := $(BIN):$(PATH)
export PYTHONPATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR ?= 1

.PHONY: demo test setup units integration pytest sanity lint docs-lint changelog-lint build-install matrix galaxy bench clean

setup: $(SETUP_STAMP) $(COLLECTIONS)/ansible_collections/hostup/cloud

$(SETUP_STAMP): requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(COLLECTIONS)/ansible_collections/hostup/cloud:
	mkdir -p $(COLLECTIONS)/ansible_collections/hostup
	ln -sfn $(CURDIR) $@

demo: setup
	scripts/demo.sh

test: setup
	scripts/run-checks.sh

# The pieces of `make test`, one at a time.
pytest: setup
	python -m pytest -p no:cacheprovider -n 2 --dist loadfile tests/unit tests/simulator tests/integration

units: setup
	python -m pytest -p no:cacheprovider tests/unit tests/simulator

integration: setup
	python -m pytest -p no:cacheprovider -n 2 --dist loadfile tests/integration

sanity: setup
	scripts/ansible-test.sh sanity --python 3.11 --local --color no
	scripts/sanity-pythons.sh

lint: setup
	ansible-lint --offline

docs-lint: setup
	antsibull-docs lint-collection-docs --plugin-docs .

changelog-lint: setup
	antsibull-changelog lint

build-install: setup
	scripts/build-install.sh

# The tarball on every ansible-core version we claim, each in its own venv (.venv-matrix/).
matrix: setup
	scripts/matrix.sh

# galaxy-importer on the tarball and the execution environment's build context (.venv-galaxy/).
galaxy: setup
	scripts/galaxy.sh

bench: setup
	python tests/bench/bench.py

clean:
	rm -rf build tests/output .pytest_cache importer_result.json
	find . -name __pycache__ -prune -not -path './$(VENV)/*' -exec rm -rf {} +
