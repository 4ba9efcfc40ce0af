# freefable: common tasks. `make help` lists them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
# axe-core for the browser tests' accessibility checks, from npm into a folder of the tests' own.
AXE    := tests/browser_support/node_modules/axe-core/axe.min.js

.DEFAULT_GOAL := help
.PHONY: help install run test lint format bench migrate messages clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(AXE): tests/browser_support/package.json tests/browser_support/package-lock.json
	npm ci --prefix tests/browser_support --no-audit --no-fund
	touch $(AXE)

install: $(STAMP) $(AXE)  ## Create .venv, install requirements.txt and the browser tests' axe-core

# The settings default to production (DEBUG off, which needs a real SECRET_KEY): the local
# targets turn DEBUG on. pyproject.toml does the same for pytest run on its own.
run migrate test messages: export DEBUG = 1

# What makemessages reads: the project's own code and templates, not the virtualenv or the tests.
MESSAGES_SKIP := --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules --ignore=staticfiles

messages: $(STAMP)  ## Update the Spanish catalog from the code, then compile it (needs GNU gettext)
	$(PY) manage.py makemessages -l es --no-obsolete --add-location=file $(MESSAGES_SKIP)
	$(PY) manage.py compilemessages -l es $(MESSAGES_SKIP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

run: $(STAMP)  ## Run the site at http://127.0.0.1:8000 on SQLite, tasks in-process, mail on the terminal
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_letter demo/letter.md --slug defenders --primary
	$(PY) manage.py load_letter demo/letter.es.md --slug defenders --language es
	$(PY) manage.py seed_demo
	@# No beat here: letters scheduled to go live are published, and update emails queued, by
	@# these loops, stopped with the server.
	$(PY) manage.py publish_scheduled --every 60 & P=$$!; \
	$(PY) manage.py send_updates --every 60 & U=$$!; trap "kill $$P $$U 2>/dev/null" EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Tests open no persistent database connections (CONN_MAX_AGE=0): a connection kept by a
# server thread would stop the test database from being dropped at the end.
test: $(STAMP) $(AXE)  ## The whole test suite (see README: services are used when their URLs are set)
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	CONN_MAX_AGE=0 $(BIN)/pytest

lint: $(STAMP)  ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)  ## Apply ruff's formatting and fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## The benchmark: prints a table, writes bench/results.json
	$(PY) -m bench.run

clean:  ## Remove the virtualenv, the local database and caches
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
