# Samenspraak: `make run` to try it, `make test` to check it. See README.md.

PYTHON ?= python
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/samenspraak)
# Production-like settings for `check --deploy`: nothing here is a real secret.
DEPLOY_ENV := DEBUG=false ALLOWED_HOSTS=samenspraak.example.org REDIS_URL=redis://127.0.0.1:6379/0 \
	SECRET_KEY=deploy-check-only-3f9c1e7a5b2d8f4c6a0e9b1d7f3a5c2e8b4d6f0a1c3e5
DEV_ENV := DEBUG=true

.PHONY: install messages messages-parents run test lint lock bench clean

$(VENV)/.installed: requirements.lock
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null \
		|| { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' \
		|| { echo "Python 3.13 is needed (see .python-version); set PYTHON=/path/to/python3.13"; exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

install: $(VENV)/.installed

messages: install
	@mkdir -p var/static
	@$(DEV_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv --verbosity=0

# The parent-only languages (ar, tr, pl, uk) hold just the texts parents read:
# extract those into locale/<code>/ keeping translations (never touches nl or en).
messages-parents: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages_parents --verbosity=2

run: messages
	@mkdir -p var
	$(DEV_ENV) $(BIN)/python manage.py migrate --verbosity=0
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: messages lint
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	@echo "== smoke pass on SQLite: migrate, seed the demo, render every page as every demo user"
	$(DEV_ENV) DATABASE_URL=sqlite:///$(CURDIR)/var/smoke.sqlite3 $(BIN)/python -m pytest tests/smoke -q -p no:cacheprovider
	@echo "== full suite on PostgreSQL"
	$(DEV_ENV) DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest

# The board-scale benchmark (bench/run.py): seeds samenspraak_benchdata on
# TEST_DATABASE_URL's server when needed, serves it with gunicorn under
# production settings, measures, and writes var/bench/latest.json.
bench: messages
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/run.py

# Refresh the lock after editing pyproject.toml.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.13 \
		--quiet -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
