# tunesmith — `make run` serves the API and playground; `make test` runs every check.
# Both install what is missing first (system packages through apt-get, Python packages into .venv).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Debian packages tunesmith needs at run time: the MIT-licensed FluidR3 General MIDI SoundFont
# and ffmpeg (MP4 video, M4A/AAC decoding); redis-server and postgresql for the distributed tests.
APT_PACKAGES := fluid-soundfont-gm ffmpeg festival festvox-us-slt-hts festvox-kallpc16k espeak-ng chromium redis-server postgresql
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml Makefile | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps run test lint typecheck layers pytest bench clean

install: system-deps $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	$(PIP) install -q --no-deps 'tinysoundfont==0.3.*'
	$(PIP) install -q --no-deps 'basic-pitch==0.4.0'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: install
	$(VENV)/bin/tunesmith run --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install
	$(VENV)/bin/mypy

layers: install
	$(VENV)/bin/lint-imports

# The numba kernels are compiled once, single-process, before two test workers start: two
# processes compiling librosa's kernels at once can race on numba's cache and crash.
# `timeout` turns a hung run into a failure long before CI's limit.
pytest: install
	$(PY) -m tunesmith.music.analyze.warmup
	timeout 1800 $(VENV)/bin/pytest -n 2 --dist loadgroup

test: install lint typecheck layers pytest

bench: install
	$(PY) bench/bench_compose.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
