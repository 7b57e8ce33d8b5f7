# The one command vocabulary, shared by people and CI workflows. `make help` lists it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# No telemetry, no update checks, anywhere gitml runs.
export DVC_NO_ANALYTICS := 1
export DVC_NO_UPDATE_CHECK := 1

# uv from PATH, else as a Python module (installed on first use by `make install`).
UV := $(or $(shell command -v uv 2>/dev/null),python3 -m uv)
RUN := $(UV) run --no-sync

BASELINE ?= main

.PHONY: help install run params test lint types pytest bench clean pipeline report pr-report gate render-deps

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

install: ## install uv if missing, then the locked environment into .venv
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet uv
	@$(UV) sync --locked --quiet --compile-bytecode

run: install ## compose params.yaml from conf/, reproduce the pipeline, show the metrics
	@$(RUN) gitml compose
	$(RUN) dvc repro
	@$(RUN) dvc metrics show
	@echo "Metrics: reports/metrics.json   plots: reports/plots/   model: models/model.skops"

pipeline: install ## CI: dvc pull --run-cache when a remote is readable, then dvc repro
	@if [ -n "$$($(RUN) dvc remote list)" ]; then \
		$(RUN) dvc pull --run-cache || echo "DVC remote not readable: reproducing instead"; fi
	$(RUN) dvc repro

report: install ## the PR comment, locally: repro, compare with BASELINE (main), then the gate
	-@$(MAKE) --no-print-directory pipeline
	$(RUN) gitml report --baseline $(BASELINE)
	@echo "Report: reports/report.md (the comment)  reports/report-full.md (the artifact)"
	$(RUN) gitml gate

pr-report: install ## CI: the report only, after `make pipeline` (BASELINE=origin/main)
	$(RUN) gitml report --baseline $(BASELINE)

gate: install ## exit non-zero, with every reason, when the report's verdict fails
	$(RUN) gitml gate

params: install ## rewrite params.yaml from conf/ (OVERRIDES="model=random_forest ...")
	$(RUN) gitml compose $(OVERRIDES)

test: lint types pytest ## everything CI runs: lint, types, tests

lint: install ## ruff format check + ruff lint
	$(RUN) ruff format --check .
	$(RUN) ruff check .

types: install ## mypy --strict on src/
	$(RUN) mypy

pytest: install ## the test suite (unit + integration)
	$(RUN) pytest

bench: install ## benchmarks; results in bench/results/ (BENCH_ROWS="10000 100000 1000000")
	$(RUN) python bench/pipeline.py $(if $(BENCH_ROWS),--rows $(BENCH_ROWS))

render-deps: ## the pinned mermaid that tests render the report's charts with (npm ci)
	npm ci --prefix tests/support/mermaid --no-audit --no-fund --loglevel=error

clean: ## remove pipeline outputs from the work tree (the DVC cache keeps them)
	rm -rf data/raw data/interim data/processed models reports/plots reports/predictions.parquet
