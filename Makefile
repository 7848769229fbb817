# Homebase. `make run` serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_LINK_MODE := copy

.PHONY: run dev test test-slow test-browser test-postgres bench bench-scale lint messages install install-dev clean

$(UV):
	@python=$$(scripts/find-python) && echo "Using $$python" && "$$python" -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --no-dev --inexact --quiet
	@touch $@

$(VENV)/.installed-dev: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --inexact --quiet
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

var:
	@mkdir -p var

prepare: install var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo

run: prepare
	@echo "Serving Homebase on http://$(HOST):$(PORT)/ with its background worker (Ctrl-C to stop)"
	@$(PY) manage.py db_worker --verbosity 0 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn homebase.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile -

dev: install-dev var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	DEBUG=True $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev var
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) -m pytest -q -n auto

test-postgres: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/homebase} $(PY) -m pytest -q -n auto

# Two gunicorn servers, one PostgreSQL database and Redis, and the worker
# (homebase/tests/test_two_servers.py); REDIS_URL defaults to database 12.
test-slow: install-dev var
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/homebase} $(PY) -m pytest -q -m slow

test-browser: install-dev var
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q -m browser

bench: install-dev var
	$(PY) bench/run.py

# 1k, 8k and 64k children on SQLite (and PostgreSQL when DATABASE_URL points at
# one); the databases are kept in var/scale/ between runs. See bench/scale.py.
bench-scale: install-dev var
	$(PY) bench/scale.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

messages: install-dev
	$(PY) manage.py makemessages -l es --no-obsolete --no-location --ignore=.venv --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/static
