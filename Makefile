# The few targets a person needs: run, test, translations, bench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
INSTANCE := $(or $(HWC_INSTANCE_PATH),instance)

.PHONY: run test lint translations compile-translations system-deps bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

compile-translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations -D messages 2>&1 | grep -v '^compiling' || true

## make run: install, migrate the embedded SQLite database, load the demo world, serve on :5000
## with the worker beside it
run: $(VENV)/.installed compile-translations
	@mkdir -p $(INSTANCE)
	@test -s $(INSTANCE)/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(INSTANCE)/secret_key
	SECRET_KEY=$$(cat $(INSTANCE)/secret_key) $(BIN)/flask db upgrade
	SECRET_KEY=$$(cat $(INSTANCE)/secret_key) $(BIN)/flask hwc demo
	@# The worker (notifications, later payment runs) beside the web server, stopped with it.
	SECRET_KEY=$$(cat $(INSTANCE)/secret_key) $(BIN)/flask hwc worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	SECRET_KEY=$$(cat $(INSTANCE)/secret_key) HWC_SECURE_COOKIES=0 $(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: system packages, lint, then the whole suite on SQLite and on a throwaway PostgreSQL
test: system-deps $(VENV)/.test-installed compile-translations lint
	HWC_TEST_DB=sqlite $(BIN)/pytest
	HWC_TEST_DB=postgresql $(BIN)/pytest

system-deps:
	@scripts/system-deps

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .

## make translations: re-extract messages.pot and merge it into every catalogue
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(MAKE) compile-translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## make bench: filing and queue timings with 5,000 claims, one voucher PDF, a 1,000-voucher payment
## run, then the national-scale pages (BENCH_CLAIMS against BENCH_BASELINE generated claims) and the
## public lookups under gunicorn and wrk (figures in README.md). At national size:
## make bench BENCH_CLAIMS=1000000 BENCH_BASELINE=10000
BENCH_CLAIMS ?= 20000
BENCH_BASELINE ?= 2000
bench: system-deps $(VENV)/.test-installed compile-translations
	$(BIN)/python bench/uploads.py
	$(BIN)/python bench/queue_and_filing.py --claims 5000
	$(BIN)/python bench/voucher_pdf.py
	$(BIN)/python bench/payment_run.py --claims 1000
	$(BIN)/python bench/pages.py --claims $(BENCH_CLAIMS) --baseline-claims $(BENCH_BASELINE)
	$(BIN)/python bench/serving.py --claims $(BENCH_CLAIMS)
