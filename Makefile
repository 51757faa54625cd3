# The two commands of the README are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(VENV)/.installed $@

.PHONY: system-deps
system-deps: ## Install the Debian packages the product needs (deploy/debian-packages.txt), when missing
	@purposes=runtime; $(PYTHON) -c "import ensurepip, venv" 2>/dev/null || purposes="$$purposes host"; \
	deploy/install-debian-packages $$purposes

.PHONY: lock
lock: | $(BIN)/python ## Compile requirements*.in into the hashed requirements*.txt (from PyPI; UPGRADE=1 takes new releases)
	test -x $(BIN)/pip-compile || $(BIN)/pip install --quiet "$$(grep -E '^pip-tools==' requirements-dev.in)"
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(PIP_COMPILE_ARGS) --output-file requirements.txt requirements.in
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(PIP_COMPILE_ARGS) --output-file requirements-dev.txt requirements-dev.in

PIP_COMPILE_ARGS = --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--index-url https://pypi.org/simple $(if $(UPGRADE),--upgrade)

.PHONY: install
install: system-deps $(VENV)/.installed ## Create the virtualenv and install the runtime dependencies

.PHONY: messages
messages: $(VENV)/.installed-dev ## Re-extract the translatable strings into locale/ (then translate the zh_Hans file)
	DEBUG=true $(BIN)/python manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore '*/node_modules/*' --no-location --no-obsolete
	DEBUG=true $(BIN)/python manage.py makemessages --locale zh_Hans --domain djangojs --ignore '.venv/*' --ignore 'var/*' --ignore 'static/vendor/*' --ignore '*/node_modules/*' --no-location --no-obsolete

.PHONY: compilemessages
compilemessages: system-deps $(VENV)/.installed
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*' -v0

.PHONY: setup
setup: install compilemessages
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py setup_desk -v0
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo

.PHONY: run
run: setup ## Set up and run the web app, a Celery worker and beat on http://127.0.0.1:$(PORT)
	@echo
	@echo "  Service desk: http://127.0.0.1:$(PORT)/   (API docs: /api/docs/, health: /healthz)"
	@echo "  Demo logins, password ServiceDesk-2026:"
	@echo "    admin (superuser), manager, engineer, liaison (emergency liaison),"
	@echo "    leader (emergency leadership group), tech (emergency technical group),"
	@echo "    alice (customer, Eastbay Water Utility), bob (customer, Northgate Hospital)"
	@echo "  Ctrl-C stops the web app, the worker and the scheduler."
	@echo
	DEBUG=$${DEBUG:-true} PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $(PORT)

.PHONY: lint
lint: $(VENV)/.installed-dev ## ruff lint and format check; the layer contracts (import-linter, pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=. $(BIN)/lint-imports

.PHONY: test-deps
test-deps: system-deps
	@deploy/install-debian-packages test
	@$(MAKE) --no-print-directory tests/oidc_provider/node_modules/.installed

# the OpenID provider the tests start (tests/oidc_provider/), exactly as package-lock.json pins it
tests/oidc_provider/node_modules/.installed: tests/oidc_provider/package.json tests/oidc_provider/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: the OpenID Connect tests need Node.js 20.19+ with npm (docs/openid-connect.md)"; exit 1; }
	cd tests/oidc_provider && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

.PHONY: test
test: test-deps $(VENV)/.installed-dev lint ## Install what tests need and run the whole suite
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run -v1
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*' -v0
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: fuzz
fuzz: $(VENV)/.installed-dev ## Fuzz the API longer than CI does, with a random seed
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} FUZZ_SEED=$${FUZZ_SEED:-$$RANDOM} $(BIN)/pytest tests/security/test_api_fuzzing.py -v

.PHONY: audit
audit: $(VENV)/.installed-dev ## Audit the pinned dependencies for known vulnerabilities (needs PyPI's JSON API)
	$(BIN)/pip-audit -r requirements.txt -r requirements-dev.txt

.PHONY: bench-load
bench-load: $(VENV)/.installed-dev ## Load benchmark: 50 clients for 60 s against gunicorn on PostgreSQL (docs/benchmarks.md)
	$(BIN)/python bench/load.py $(BENCH_ARGS)

.PHONY: bench-faults
bench-faults: $(VENV)/.installed-dev ## The load benchmark with PostgreSQL and Redis restarted under load
	$(BIN)/python bench/load.py --faults $(BENCH_ARGS)

.PHONY: bench-queue
bench-queue: $(VENV)/.installed-dev ## The queue with 1,000,000 tickets on PostgreSQL: endpoint vs bare SQL, and the plan
	$(BIN)/python bench/ticket_queue.py $(BENCH_ARGS)

.PHONY: bench-deadlines
bench-deadlines: $(VENV)/.installed-dev ## SLA deadlines: 1,000 breaches due at once on one worker; a worker restarted across deadlines; the watchdog on 1,000,000 clocks
	$(BIN)/python bench/deadlines.py $(BENCH_ARGS)

.PHONY: bench-kb
bench-kb: $(VENV)/.installed-dev ## Knowledge-base search on 50,000 bilingual articles: selector vs bare SQL, the GIN plan, SQLite
	$(BIN)/python bench/kb_search.py $(BENCH_ARGS)

.PHONY: bench-dashboard
bench-dashboard: $(VENV)/.installed-dev ## The manager's SLA dashboard on 1,000,000 tickets: selectors, page and API vs bare SQL, the plans
	$(BIN)/python bench/dashboard.py $(BENCH_ARGS)

.PHONY: bench-mail
bench-mail: $(VENV)/.installed-dev ## The email intake on PostgreSQL: filing an email vs the services it calls, the thread look-up among 1,000,000 sent emails
	$(BIN)/python bench/mail_intake.py $(BENCH_ARGS)

.PHONY: bench-intake
bench-intake: $(VENV)/.installed-dev ## Intake through the API: tickets/s by POST /api/v1/tickets/ under wrk, with 100,000 open tickets; every ticket checked after
	$(BIN)/python bench/intake.py $(BENCH_ARGS)

.PHONY: bench-replica
bench-replica: $(VENV)/.installed-dev ## The reports on a streaming replica (private primary and replica on loopback): replication lag while tickets are filed, the dashboard from the replica vs the primary
	$(BIN)/python bench/replica.py $(BENCH_ARGS)

.PHONY: bench-peer
bench-peer: $(VENV)/.installed-dev ## Side by side with django-helpdesk 2.6.1 (installed in var/bench): escalation at 20,000 and 100,000 tickets, list and dashboard at 100,000
	$(BIN)/python bench/peer.py $(BENCH_ARGS)

.PHONY: bench-imports
bench-imports: $(VENV)/.installed-dev ## Imports of 10,000 rows per kind through manage.py import_data (new, then unchanged) vs the bare SQL COPY of the same rows
	$(BIN)/python bench/imports.py $(BENCH_ARGS)

.PHONY: schema
schema: $(VENV)/.installed-dev ## Regenerate openapi.yaml (commit it; a test fails when it is stale)
	env -u DATABASE_URL DEBUG=true $(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

.PHONY: clean
clean: ## Remove the embedded database, broker files and caches (not the virtualenv)
	rm -rf var
