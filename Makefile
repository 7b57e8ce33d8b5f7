# The one command vocabulary, shared by people and CI workflows. `make help` lists it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# No telemetry, no update checks, anywhere gitml runs.
export DVC_NO_ANALYTICS := 1
export DVC_NO_UPDATE_CHECK := 1
export BENTOML_DO_NOT_TRACK := True

# uv from PATH, else the one `make uv` installed: into .tools/ when pip refuses to install
# into the system Python (PEP 668, as on Debian and Ubuntu), else as a user-site module.
# `=`, not `:=`: looked up again after `make uv` has run.
UV = $(or $(shell command -v uv 2>/dev/null),$(wildcard $(CURDIR)/.tools/bin/uv),python3 -m uv)
RUN = $(UV) run --no-sync

BASELINE ?= main
# The framework: a PR that changes none of these (only conf/ or data) skips `make test`
# in pr.yml; its reproduce, report and gate still run. main.yml always runs the tests.
FRAMEWORK := src tests bench pyproject.toml uv.lock Makefile dvc.yaml .github deploy docs mkdocs.yml cliff.toml CHANGELOG.md

.PHONY: help uv install run params test test-fast lint types pytest bench clean render-deps
.PHONY: report pr-report gate framework-changed docs changelog
.PHONY: remote reproduce release-model data-push package serve image promote-image deploy-image deploy-pr
.PHONY: monitor traffic-log retrain-pr card card-release

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

uv: ## install uv if it is missing (pip --user, else a venv in .tools/ under PEP 668)
	@$(UV) --version >/dev/null 2>&1 \
		|| { { python3 -m pip install --quiet --user uv 2>/dev/null \
				|| python3 -m pip install --quiet uv 2>/dev/null; } \
			&& { command -v uv >/dev/null \
				|| ! bin="$$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null)" \
				|| echo "uv is in $$(dirname "$$bin"): put that folder on your PATH" \
					"for the README's uv commands"; }; } \
		|| { python3 -m venv .tools && .tools/bin/pip install --quiet uv \
			&& echo "uv is in .tools/bin: export PATH=\"$$PWD/.tools/bin:\$$PATH\"" \
				"for the README's uv commands"; } \
		|| { echo "Could not install uv with pip. Install it (https://docs.astral.sh/uv/)" \
			"or the python3-venv package, then run make again." >&2; exit 1; }

install: uv ## install uv if missing, then the locked environment into .venv
	@$(UV) sync --locked --quiet --compile-bytecode

run: install ## compose params.yaml from conf/, reproduce the pipeline (gitml repro), show the metrics
	@$(RUN) gitml compose
	$(RUN) gitml repro
	@$(RUN) dvc metrics show
	@echo "Metrics: reports/metrics.json   plots: reports/plots/   model: models/model.skops"

report: install ## the PR comment, locally: repro, compare with BASELINE (main), then the gate
	@$(RUN) gitml compose --check  # a stale params.yaml would describe another run
	-@$(MAKE) --no-print-directory reproduce  # a failing stage is what the report shows
	$(RUN) gitml report --baseline $(BASELINE)
	@echo "Report: reports/report.md (the comment)  reports/report-full.md (the artifact)"
	$(RUN) gitml gate

pr-report: install ## CI: the report only, after `make reproduce` (BASELINE=origin/main)
	$(RUN) gitml report --baseline $(BASELINE)

framework-changed: ## print framework=true|false: does HEAD change FRAMEWORK paths since BASELINE?
	@base="$$(git merge-base "$(BASELINE)" HEAD 2>/dev/null)" \
		&& git diff --quiet "$$base" HEAD -- $(FRAMEWORK) \
		&& echo framework=false || echo framework=true  # in doubt (no base), test

gate: install ## exit non-zero, with every reason, when the report's verdict fails
	$(RUN) gitml gate

params: install ## rewrite params.yaml from conf/ (OVERRIDES="model=random_forest ...")
	$(RUN) gitml compose $(OVERRIDES)

test: lint types pytest ## everything CI runs: lint, types, tests

lint: install ## ruff format check, ruff lint, and the package's layers (import-linter)
	$(RUN) ruff format --check .
	$(RUN) ruff check .
	$(RUN) lint-imports --no-cache

types: install ## mypy --strict on src/ and tests/
	$(RUN) mypy

# Tests spread over every core (pytest-xdist): each one works in its own temporary directory,
# with its own BENTOML_HOME and a free port, so no two share state. Work stealing: xdist's
# default hands each worker a fixed share up front, and the slow integration tests, collected
# first, fell to one worker while the other ran out (2 cores: 248 s, stealing 211 s, of 408 s
# of tests).
pytest: install ## the test suite (unit + integration), on every core
	$(RUN) pytest -n auto --dist worksteal

docs: install ## the docs site into site/, offline and strict (any warning fails)
	NO_MKDOCS_2_WARNING=1 $(RUN) mkdocs build --strict --site-dir site

changelog: install ## CHANGELOG.md from the commit subjects, grouped by area (git-cliff, cliff.toml)
	$(RUN) git-cliff --config cliff.toml --output CHANGELOG.md

test-fast: install ## the edit loop: the unit tests that need no real pipeline (-m "not slow")
	$(RUN) pytest tests/unit -m "not slow" -q

bench: install ## benchmarks in bench/results/ (BENCH_ROWS, REPORT_ROWS, REMOTE_ROWS as ints; serving needs wrk)
	$(RUN) python bench/pipeline.py $(if $(BENCH_ROWS),--rows $(BENCH_ROWS))
	$(RUN) python bench/bootstrap.py
	$(RUN) python bench/report.py $(if $(REPORT_ROWS),--rows $(REPORT_ROWS))
	$(RUN) python bench/remote.py $(if $(REMOTE_ROWS),--rows $(REMOTE_ROWS))
	$(RUN) python bench/serving.py
	$(RUN) python bench/pr_turnaround.py

render-deps: ## the pinned mermaid that tests render the report's charts with (npm ci)
	npm ci --prefix tests/support/mermaid --no-audit --no-fund --loglevel=error
# --- ship loop (README "Ship"); the workflows call these --------------------------------------

REMOTE ?= storage
remote: install ## set the default DVC remote: URL=s3://bucket/path [ENDPOINT=https://...] (commit .dvc/config)
	@test -n "$(URL)" || { echo "Set URL, e.g. make remote URL=s3://my-bucket/gitml" \
		"[ENDPOINT=https://s3.example.com] (docs/change/remote-storage.md)" >&2; exit 2; }
	$(RUN) dvc remote add --default --force $(REMOTE) "$(URL)"
	$(if $(ENDPOINT),$(RUN) dvc remote modify $(REMOTE) endpointurl "$(ENDPOINT)")
	@echo "Default DVC remote '$(REMOTE)' → $(URL). Commit .dvc/config, then \`make data-push\`."

reproduce: install ## CI: params check, `gitml pull` from the remote (if set; FORK=true: none), gitml repro
	$(RUN) gitml compose --check
	$(RUN) gitml pull $(if $(filter true,$(FORK)),--fork)
	$(RUN) gitml repro

release-model: install ## CI release: pull the commit's model by its dvc.lock (never retrains; fails if absent)
	$(RUN) gitml pull --model

data-push: install ## push DVC outputs to the remote, if one is configured
	@if [ -n "$$($(RUN) dvc remote list)" ]; then $(RUN) dvc push; \
		else echo "No DVC remote configured: nothing to push."; fi

package: install ## model into BentoML's store + Bento gitml:<commit> (BENTO_ARCHIVE=/abs/x.bento exports)
	$(RUN) gitml package $(if $(BENTO_ARCHIVE),--output "$(BENTO_ARCHIVE)")

HOST ?= 127.0.0.1
PORT ?= 3000
serve: install ## serve the packaged model on http://127.0.0.1:3000 (packages it first; HOST=, PORT=3001)
	$(RUN) gitml serve --host "$(HOST)" --port "$(PORT)"

image: install ## containerize the Bento (BENTO_ARCHIVE or a fresh package), push it as IMAGE=<name:tag>
	@test -n "$(IMAGE)" || { echo "Set IMAGE, e.g. IMAGE=ghcr.io/<owner>/gitml:v1.2.3" >&2; exit 2; }
	image="$$(echo '$(IMAGE)' | tr '[:upper:]' '[:lower:]')"; \
	if [ -n "$(BENTO_ARCHIVE)" ] && [ -f "$(BENTO_ARCHIVE)" ]; then \
		tag="$$($(RUN) python -c 'import bentoml, sys; print(bentoml.import_bento(sys.argv[1]).tag)' "$(BENTO_ARCHIVE)")"; \
	else tag="$$($(RUN) gitml package)"; fi; \
	$(RUN) bentoml containerize "$$tag" --image-tag "$$image" && docker push "$$image" && \
	mkdir -p dist && docker inspect --format '{{index .RepoDigests 0}}' "$$image" > dist/image.txt
	@echo "pushed $$(cat dist/image.txt)"
	@if [ -n "$$GITHUB_OUTPUT" ]; then echo "image=$$(cat dist/image.txt)" >> "$$GITHUB_OUTPUT"; fi

# A release of a commit main built: staging's image is promoted (a new tag on the same digest),
# not rebuilt, so production runs the bytes staging ran. promoted=false: main built no image.
promote-image: ## CI release: tag STAGING_IMAGE's digest as IMAGE, no rebuild (promoted=true|false)
	@test -n "$(IMAGE)" && test -n "$(STAGING_IMAGE)" || { echo "Set IMAGE=<name:vX.Y.Z> and" \
		"STAGING_IMAGE=<name:main-<sha>>" >&2; exit 2; }
	@image="$$(echo '$(IMAGE)' | tr '[:upper:]' '[:lower:]')"; \
	staging="$$(echo '$(STAGING_IMAGE)' | tr '[:upper:]' '[:lower:]')"; \
	if digest="$$(docker buildx imagetools inspect "$$staging" --format '{{.Manifest.Digest}}' 2>/dev/null)" \
		&& [ -n "$$digest" ]; then \
		docker buildx imagetools create --tag "$$image" "$${staging%:*}@$$digest" || exit 1; \
		mkdir -p dist && echo "$${image%:*}@$$digest" > dist/image.txt; promoted=true; \
		echo "promoted $$staging ($$digest) as $$image: the image staging ran, not rebuilt"; \
	else promoted=false; \
		echo "No image $$staging: main did not build this commit, so the release builds its own"; fi; \
	if [ -n "$$GITHUB_OUTPUT" ]; then echo "promoted=$$promoted" >> "$$GITHUB_OUTPUT"; \
		if [ "$$promoted" = true ]; then echo "image=$$(cat dist/image.txt)" >> "$$GITHUB_OUTPUT"; fi; fi

deploy-image: ## pin deploy/overlays/<ENV> to the image in dist/image.txt (or IMAGE=<name@sha256:...>)
	@case "$(ENV)" in staging|production) ;; *) echo "Set ENV=staging or ENV=production" >&2; exit 2;; esac
	@image="$(or $(IMAGE),$$(cat dist/image.txt))"; \
		case "$$image" in *@sha256:*) ;; *) echo "Deploy by digest: got '$$image'" >&2; exit 2;; esac; \
		cd deploy/overlays/$(ENV) && kustomize edit set image "gitml=$$image" && echo "$(ENV) → $$image"

deploy-pr: deploy-image ## CI: open a PR pinning the overlay (GitOps; needs GH_TOKEN, VERSION names it)
	@branch="deploy/$(ENV)-$(or $(VERSION),$$(date -u +%Y%m%d%H%M%S))"; \
	image="$$(grep -E 'newName|digest' deploy/overlays/$(ENV)/kustomization.yaml | awk '{print $$2}' | paste -sd@)"; \
	git switch -c "$$branch" && git add "deploy/overlays/$(ENV)/kustomization.yaml" && \
	git -c user.name="github-actions[bot]" \
		-c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
		commit -m "Deploy $(ENV) $(VERSION): $$image" && \
	gh auth setup-git && git push origin "$$branch" && \
	gh pr create --base main --head "$$branch" --title "Deploy $(ENV) $(VERSION)" \
		--body "Pins deploy/overlays/$(ENV) to $$image. Merging changes the cluster's desired state; revert to roll back."

clean: ## remove pipeline outputs from the work tree (the DVC cache keeps them)
	rm -rf data/raw data/interim data/processed models reports/plots reports/predictions.parquet
card: install ## the model card from the pipeline's outputs: reports/model_card.md (also in the Bento, GET /card)
	$(RUN) gitml card

card-release: install ## CI: attach the model card to the GitHub release of VERSION (needs GH_TOKEN)
	@test -n "$(VERSION)" || { echo "Set VERSION, e.g. VERSION=v1.2.3" >&2; exit 2; }
	$(RUN) gitml card --output dist/model_card.md
	gh release view "$(VERSION)" >/dev/null 2>&1 || gh release create "$(VERSION)" --verify-tag \
		--title "$(VERSION)" --notes "Model card attached: model_card.md."
	gh release upload "$(VERSION)" dist/model_card.md --clobber

# --- operate loop (docs/operate/index.md); monitor.yml calls these ---------------------------

monitor: install ## compare the traffic log with the training data: reports/monitor.md (exit 1: action due)
	$(RUN) gitml monitor $(if $(LOGS),--logs "$(LOGS)") $(if $(SINCE),--since "$(SINCE)") \
		$(if $(UNTIL),--until "$(UNTIL)") $(if $(LABELS),--labels "$(LABELS)")

traffic-log: ## CI: copy the production traffic log (TRAFFIC_LOG_URL=s3://...) and labels (LABELS_URL)
	@test -n "$(TRAFFIC_LOG_URL)" || { echo "Set TRAFFIC_LOG_URL, e.g. s3://<bucket>/traffic" >&2; exit 2; }
	aws s3 sync --only-show-errors "$(TRAFFIC_LOG_URL)" logs/traffic
	@if [ -n "$(LABELS_URL)" ]; then aws s3 cp --only-show-errors "$(LABELS_URL)" logs/labels.parquet; fi

retrain-pr: install ## CI: commit the monitor report (+ labelled records, DVC-tracked) to retrain/monitor; open/update its PR
	@test -f reports/monitor.md || { echo "Run make monitor first" >&2; exit 2; }
	git switch -C retrain/monitor
	@if [ -f reports/monitor-labelled.parquet ]; then \
		mkdir -p data/feedback && cp reports/monitor-labelled.parquet data/feedback/labelled.parquet && \
		$(RUN) dvc add -q data/feedback/labelled.parquet && git add data/feedback/labelled.parquet.dvc data/feedback/.gitignore && \
		$(MAKE) --no-print-directory data-push; fi
	git add -f reports/monitor.md reports/monitor.json  # ignored locally, evidence here
	git -c user.name="github-actions[bot]" \
		-c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
		commit -m "Retrain: gitml monitor found action due" && \
	gh auth setup-git && git push --force origin retrain/monitor
	$(RUN) gitml retrain-pr --body reports/monitor.md
