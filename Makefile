# Two commands do all the set-up on a fresh machine (Python 3.11 required):
#   make demo   - create .venv, install, build everything on the bundled default, print a summary
#   make test   - create .venv, install, lint, run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Dagster reads dagster.yaml from DAGSTER_HOME; all its state goes to .dagster/.
export DAGSTER_HOME := $(CURDIR)
# dg warns when the project's .venv is not the active one; these targets always use it.
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test lint dev check-defs bench report report-screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 is required, found " + sys.version.split()[0]) if sys.version_info[:2] != (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[dev,distributed]'
	@# Bytecode for every installed module (processes here run with PYTHONDONTWRITEBYTECODE set, so
	@# nothing is cached later), compiled on every core: pip compiles one package after another.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m pipeline demo

# Two worker processes (the CI machine has 2 cores: most tests wait on Dagster and DuckDB in turn),
# each test file whole on one worker so that module fixtures are built once (the report tests'
# demo warehouse is shared: tests/report/conftest.py). TEST_WORKERS=0 runs in this process.
# The tests' tmp_path folders (≈ 1.5 GB in all) go to memory, /dev/shm, when it has TEST_SHM_MIN_KB
# free: every run commits Dagster's SQLite event log once per event and DuckDB checkpoints its files,
# and on disk those syncs were a fifth of a test's time (tests/e2e/test_trust.py: 116.9 s on /tmp,
# 94.4 s on /dev/shm, 2026-12-04). The folder is removed when every test passed and kept (its path
# printed) when one failed. TEST_BASETEMP=DIR chooses the folder; TEST_BASETEMP=default is pytest's own.
TEST_WORKERS ?= 2
TEST_SHM_MIN_KB ?= 4194304
TEST_BASETEMP ?=
test: $(STAMP) lint
	@basetemp="$(TEST_BASETEMP)"; created=""; \
	if [ -z "$$basetemp" ] && [ "$$(df --output=avail -k /dev/shm 2>/dev/null | tail -n 1)" -ge $(TEST_SHM_MIN_KB) ] 2>/dev/null; then \
		basetemp=$$(mktemp -d /dev/shm/coverage-pipeline-tests.XXXXXX) && created=yes; \
	fi; \
	if [ "$$basetemp" = default ]; then basetemp=""; fi; \
	echo "pytest -n $(TEST_WORKERS) $${basetemp:+--basetemp=$$basetemp}"; \
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $${basetemp:+--basetemp=$$basetemp}; \
	status=$$?; \
	if [ -n "$$created" ]; then \
		if [ $$status -eq 0 ]; then rm -rf "$$basetemp"; else echo "the failed tests' files are kept in $$basetemp" >&2; fi; \
	fi; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint sql --dialect duckdb --nocolor --processes 0

# Benchmark harness (docs/performance.md): pipeline vs a polars/DuckDB floor vs pandas, same files.
# Override the arguments, e.g. make bench BENCH_ARGS="--scale 1.0 --pandas-scale 0.3". The default runs
# the pipeline and the floor three times each, alternately, and reports the medians (a noisy machine).
BENCH_ARGS ?= --scale 0.1 --rounds 3
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

# The coverage report of the published warehouse (docs/report.md), e.g. make report REPORT_ARGS="--unit 01".
REPORT_ARGS ?=
report: $(STAMP)
	$(BIN)/python -m pipeline report $(REPORT_ARGS)

# docs/report.png: the national report of the published (demo) warehouse, in headless Chromium
# (Debian's chromium package; apt-get install chromium).
report-screenshot: $(STAMP)
	@out=$$(mktemp --suffix=.html) && $(BIN)/python -m pipeline report --out $$out && \
		$(BIN)/python -m pipeline.report.browser $$out docs/report.png; status=$$?; rm -f $$out; exit $$status

# The Dagster UI and daemon (schedules, sensors, backfills) on http://localhost:3000.
dev: $(STAMP)
	$(BIN)/dg dev

check-defs: $(STAMP)
	$(BIN)/dg check defs

clean:
	rm -rf .dagster data/marts/_work data/marts/coverage.duckdb
