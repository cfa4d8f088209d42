# Sourcebook: `make run` sets up and starts the app; `make test` sets up and runs every check.
# Both install the Debian/Ubuntu packages they need when run as root (otherwise they say how),
# create .venv and install the Python packages from pyproject.toml when it changed.
# .venv is made from the distribution's python3 when it is 3.11 or newer, else from the first
# python3 on PATH; `make PY=/path/to/python3.x` chooses another. Debian's and Ubuntu's are built
# with profile-guided optimisation and linked statically: the window starts about a fifth
# faster on them than on a plain source build such as pyenv's (docs/performance.md, Window).
PY ?= $(shell /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint pytest setup system-deps system-deps-run system-deps-test clean

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Sourcebook needs Python 3.11 or newer ($(PY) is older)"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Debian/Ubuntu packages: installed when root, else a hint (the rest still runs).
define system_deps
	@if [ "$$(id -u)" = 0 ]; then \
		bash .ci/system-deps.sh $(1); \
	elif bash .ci/system-deps.sh $(1) --check >/dev/null 2>&1; then :; \
	else \
		bash .ci/system-deps.sh $(1) --check || true; \
		echo "make: not root, so not installing them; if the window or the tests cannot start:"; \
		echo "      sudo bash .ci/system-deps.sh $(1)"; \
	fi
endef

system-deps: system-deps-test

system-deps-run:
	$(call system_deps,run)

system-deps-test:
	$(call system_deps,test)

run: system-deps-run setup
	$(BIN)/python main.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Without SOURCEBOOK_TEST_PG_URL the PostgreSQL half is skipped, with the reason in the summary.
# Tests run on every core (pytest-xdist); PYTEST_ARGS adds options, e.g. PYTEST_ARGS="-n 0 -x".
PYTEST_ARGS ?=
pytest: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n auto --durations=15 $(PYTEST_ARGS)

test: system-deps-test lint pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
