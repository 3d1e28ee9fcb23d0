# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres lint format bench soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Serve the demo on http://127.0.0.1:8000 (data in ./var).
run: $(VENV)/.installed
	$(BIN)/talkpage serve --host $(HOST) --port $(PORT)

## Run the whole test suite (browser tests need /usr/bin/chromium).
test: $(VENV)/.installed-test
	$(BIN)/ruff check talkpage tests bench
	$(BIN)/ruff format --check talkpage tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The suite again on PostgreSQL and Redis (browser tests aside). Tests use
## Redis databases 14 and 15; set TALKPAGE_TEST_REDIS= (empty) to leave Redis out.
TALKPAGE_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/talkpage_ci
TALKPAGE_TEST_REDIS ?= redis://127.0.0.1:6379/15
test-postgres: $(VENV)/.installed-test
	TALKPAGE_DATABASE_URL=$(TALKPAGE_TEST_POSTGRES) TALKPAGE_REDIS_URL=$(TALKPAGE_TEST_REDIS) \
		$(BIN)/python -m pytest -m "not browser" -n 2 $(PYTEST_ARGS)

## Talkpage against Isso 0.14.0 and nginx on this machine, on SQLite and on
## PostgreSQL + Redis (127.0.0.1:5432 and :6379): about 15 minutes. Writes
## docs/benchmarks.md; DURATION=2 for a quick check (bench/run.py lists the
## other settings).
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

## Load and fault tests against real servers on 127.0.0.1: concurrent posting,
## votes, kill -9 and overload, on SQLite and on PostgreSQL + Redis (database
## talkpage_soak and Redis database 12, emptied first): about 15 minutes.
## Writes docs/reliability.md; SOAK_ARGS="--seconds 20 --kill-rounds 3" is quicker.
soak: $(VENV)/.installed-test
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check talkpage tests bench

format: $(VENV)/.installed-test
	$(BIN)/ruff format talkpage tests bench
	$(BIN)/ruff check --fix talkpage tests bench

clean:
	rm -rf $(VENV) var build *.egg-info
