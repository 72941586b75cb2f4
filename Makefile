# Two commands, both idempotent:
#   make run    set everything up, index notes/ (only what changed), serve the UI on http://127.0.0.1:7860
#   make test   set everything up and run the whole test suite (what CI runs)
# and, while working:
#   make test-fast   the unit tier only: fake embedder, no browser, no slow crash/corruption sweeps (under a minute)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup run test test-fast browser-deps ocr-deps

setup: $(STAMP) ocr-deps

# torch goes first and pinned: the local CPU wheel. Unpinned, pip would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: setup
	$(BIN)/study serve --host 127.0.0.1 --port 7860

# OCR (rapidocr's OpenCV) loads libGL and glib; most machines have them, a bare one gets them from Debian.
ocr-deps:
	@ldconfig -p 2>/dev/null | grep -q 'libGL.so.1' && ldconfig -p 2>/dev/null | grep -q 'libglib-2.0.so.0' || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null; \
	  else echo "libGL or glib missing and not root: OCR of images will fail (apt-get install libgl1 libglib2.0-0)"; fi; }

# The browser test drives Debian's chromium; install it when missing and we may (root).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null; \
	  else echo "chromium missing and not root: the browser tests will be skipped (apt-get install chromium)"; fi; }

test: setup browser-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not integration and not browser and not slow"
