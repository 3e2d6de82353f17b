# OrderDesk — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve worker beat test install lint migrations-check messages bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: venv, install, migrate, demo data, serve http://127.0.0.1:8000 on SQLite
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## make serve: production-style server with gunicorn.conf.py (set DEBUG=0, SECRET_KEY, ...)
serve: $(STAMP)
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn -c gunicorn.conf.py

## make worker: the mail queue's worker (set CELERY_BROKER_URL or REDIS_URL, e.g.
## redis://127.0.0.1:6379/0; without a broker mail is sent in process and no worker is needed)
worker: $(STAMP)
	$(VENV)/bin/celery -A orderdesk worker -l info

## make beat: the scheduler of the nightly jobs (the roll-up of the operator criteria at
## 02:30, CELERY_BEAT_SCHEDULE); needs a broker and `make worker`, like the mail queue
beat: $(STAMP)
	$(VENV)/bin/celery -A orderdesk beat -l info

## make test: the whole suite (browser tests run when /usr/bin/chromium exists;
## REQUIRE_E2E=1 turns a missing Chromium into a failure)
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

## Regenerate translations (needs: apt-get install gettext); commit the .po and .mo files.
messages: $(STAMP)
	$(PY) manage.py makemessages -l ru -l en --ignore=.venv --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
