# policyqa — the two commands a newcomer needs are `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
CORPUS ?= data/corpus

.PHONY: install index serve test test-fast lint format eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install pinned dependencies (idempotent)

index: install  ## index the bundled sample corpus (incremental: only changes are embedded)
	$(BIN)/policyqa ingest $(CORPUS)

serve: index  ## set up, index the sample corpus and serve on http://$(HOST):$(PORT)
	$(BIN)/policyqa serve --host $(HOST) --port $(PORT)

test: install  ## run the whole test suite (what CI runs)
	$(BIN)/pytest -q

test-fast: install  ## the unit tier only (no browser, CMRC, kill -9, fuzz or rebuilds): under a minute
	$(BIN)/pytest -q -m "not slow"

lint: install  ## ruff lint + format check, type check, import layers and cycles
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

eval: index  ## retrieval quality on the dev questions and (if present) the CMRC 2018 trial set
	$(BIN)/policyqa eval data/eval/dev_qa.jsonl
	$(BIN)/python -m bench.cmrc
	$(BIN)/python -m bench.crossval

bench: install  ## benchmarks (print numbers; bench.scale rewrites docs/benchmarks-scale.json and the plot, ~20 min)
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.ocr
	$(BIN)/python -m bench.compare
	$(BIN)/python -m bench.load --clients 50 --seconds 60
	$(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) data/index
