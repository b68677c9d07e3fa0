# yishi — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PYTHONPATH := src
export DJANGO_SETTINGS_MODULE := yishi.settings

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev keys static setup venv node chromium fonts migrate demo test lint format test-sqlite test-postgres bench bench-quick worker scheduler clean

# `make run` serves the demo as production would: DEBUG off, one ASGI server process (uvicorn),
# static files collected and served by whitenoise, Chinese error pages, keys generated on the
# first run into var/keys/ (YISHI_KEY_DIR). In demo mode: plain HTTP on loopback, demo accounts
# without a second factor, SMS codes in the console log (README, Configuration).
# `make dev` is the debugging server: DEBUG on, runserver reloading on every change.
run: export YISHI_DEMO ?= true
run: export YISHI_DEBUG ?= false
# Every target that touches the demo database uses the keys the first `make run` made, DEBUG
# on or off, so `make run`, `make dev` and `make demo` share one database.
run dev keys static migrate demo worker scheduler: export YISHI_KEY_DIR ?= $(or $(YISHI_VAR_DIR),$(CURDIR)/var)/keys
run: setup keys migrate static demo ## set up, load 梁子湖区 demo data and serve on http://127.0.0.1:8000
	$(call serve_with_loops,$(VENV)/bin/uvicorn yishi.asgi:application --host $(HOST) --port $(PORT) --workers 1 --no-proxy-headers --no-server-header)

dev: export YISHI_DEMO ?= true
dev: export YISHI_DEBUG ?= true
dev: setup keys migrate demo ## the debugging server (DEBUG on, reloads on change)
	$(call serve_with_loops,$(PY) -m yishi runserver $(HOST):$(PORT))

# The task worker and the one scheduler of the periodic jobs beside the web server ($(1)),
# stopped with it. `python -m yishi worker` is db_worker or RQ's rqworker, as
# YISHI_TASK_BACKEND says; the scheduler enqueues the jobs of src/yishi/schedule.py.
define serve_with_loops
	@echo "Serving http://$(HOST):$(PORT)/  (portal, /workbench/, /admin/, /api/docs)"
	@$(PY) -m yishi worker >var/worker.log 2>&1 & worker=$$!; \
	  $(PY) -m yishi scheduler >var/scheduler.log 2>&1 & scheduler=$$!; \
	  trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(1)
endef

# Secrets and SM4/HMAC keys, generated once into the key folder (src/yishi/keys.py); existing
# key files are never touched. A var/yishi.sqlite3 from before the key folder was written
# under the public development keys: it is moved aside, and the demo is loaded afresh.
keys: venv
	@if [ -z "$${DATABASE_URL:-}$${YISHI_VAR_DIR:-}" ] && [ -e var/yishi.sqlite3 ] \
	  && [ ! -e "$$YISHI_KEY_DIR/YISHI_FIELD_KEYS" ]; then \
	  mkdir -p var/before-keys && mv var/yishi.sqlite3* var/before-keys/ && \
	  echo "旧数据库使用公开的开发密钥加密，已移至 var/before-keys/，将以新生成的密钥重新载入演示数据"; \
	fi
	$(PY) -m yishi.keys

static: venv node keys
	$(PY) -m yishi collectstatic --noinput -v 0

setup: venv node

venv: $(VENV)/.installed

# Browser libraries (htmx) from npm, pinned by package-lock.json; served as static files.
node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 与 npm（用于安装 htmx）"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	mkdir -p var
	touch $@

# Debian's Chromium for the browser tests; Playwright drives it (never downloads a browser).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium missing: run 'sudo apt-get install -y chromium'"; fi; \
	fi

# Debian's CJK fonts for the harder OCR test set (yishi.core.ocr_hard_samples draws with
# several typefaces, as phones photograph documents printed in them).
OCR_FONTS = fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai fonts-noto-cjk
fonts:
	@if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || [ ! -d /usr/share/fonts/truetype/arphic ] \
	    || [ ! -d /usr/share/fonts/opentype/noto ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(OCR_FONTS) >/dev/null; \
	  else echo "CJK fonts missing: run 'sudo apt-get install -y $(OCR_FONTS)'"; fi; \
	fi

migrate: venv keys
	mkdir -p var
	$(PY) -m yishi migrate --noinput -v 0

demo: venv keys
	$(PY) -m yishi load_demo
	$(PY) -m yishi generate_history --applications 5000 --if-empty

# The task worker of the configured mode: db_worker, or rqworker with YISHI_TASK_BACKEND=rq.
worker: venv keys
	$(PY) -m yishi worker

# The one scheduler of the periodic jobs (src/yishi/schedule.py), in either mode.
scheduler: venv keys
	$(PY) -m yishi scheduler

lint: venv
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: venv
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

# The whole suite on the database DATABASE_URL names (SQLite by default). On SQLite the
# PostgreSQL-only tests are deselected; they run in the PostgreSQL pass. Tests inside a
# rolled-back transaction run on TEST_WORKERS processes (pytest-xdist, one database each);
# tests that commit (live server, browser, concurrency: marked "transactional" in
# tests/conftest.py) run after them in one process, because emptying their tables at the end
# would also remove the rows migrations seed for the tests still to come. In the PostgreSQL
# pass the tests marked "queue" or "faults" (the task backend, the fault tests) run once more on RQ over
# Redis (YISHI_TASK_BACKEND=rq). Any run finding no test fails (pytest's exit 5).
TEST_WORKERS ?= 2
test: venv node chromium fonts lint
	$(PY) -m yishi makemigrations --check --dry-run -v 0
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then only=""; else only="not postgres and "; fi; \
	  $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "$${only}not transactional" $(PYTEST_ARGS) \
	  && $(PY) -m pytest -m "$${only}transactional" $(PYTEST_ARGS) \
	  && if [[ -z "$$only" ]]; then \
	    YISHI_TASK_BACKEND=rq YISHI_RQ_URL=$${YISHI_RQ_URL:-redis://127.0.0.1:6379/0} \
	    $(PY) -m pytest -m "queue or faults" $(PYTEST_ARGS); fi

test-sqlite: test

test-postgres:
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(MAKE) test

bench: venv
	$(PY) bench/catalog_search.py; a=$$?; $(PY) bench/apply_accept.py; b=$$?; \
	  $(PY) bench/ocr_fields.py; c=$$?; $(PY) bench/eligibility.py; d=$$?; \
	  $(PY) bench/hall_day.py; e=$$?; $(PY) bench/search_quality.py; f=$$?; \
	  exit $$(( a || b || c || d || e || f ))

bench-quick: venv
	$(PY) bench/catalog_search.py --quick; a=$$?; $(PY) bench/apply_accept.py --quick; b=$$?; \
	  $(PY) bench/ocr_fields.py --quick; c=$$?; $(PY) bench/eligibility.py --quick; d=$$?; \
	  $(PY) bench/hall_day.py --quick; e=$$?; $(PY) bench/search_quality.py --quick; f=$$?; \
	  exit $$(( a || b || c || d || e || f ))

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Apply → accept → route cycles through gunicorn on PostgreSQL (BENCH_DATABASE_URL).
.PHONY: bench-apply bench-ocr bench-eligibility bench-hall bench-search bench-soak
bench-apply: venv
	$(PY) bench/apply_accept.py $(BENCH_ARGS)

bench-ocr: venv
	$(PY) bench/ocr_fields.py $(BENCH_ARGS)

bench-eligibility: venv
	$(PY) bench/eligibility.py $(BENCH_ARGS)

bench-hall: venv
	$(PY) bench/hall_day.py $(BENCH_ARGS)

# Search quality (success@3, MRR) and latency of the unified search, SQLite and PostgreSQL.
bench-search: venv
	$(PY) bench/search_quality.py $(BENCH_ARGS)

# Every list a person opens over 10k, 100k and 1M applications of history (PostgreSQL,
# BENCH_DATABASE_URL; the per-size databases are kept and reused). BENCH_ARGS=--quick: 10k, 100k.
.PHONY: bench-history-scale
bench-history-scale: venv
	$(PY) bench/history_scale.py $(BENCH_ARGS)

# Sustained mixed load (locust, bench/locustfile.py) at a fixed rate for 10 minutes against
# gunicorn, the task worker and PostgreSQL: BENCH_ARGS="--rate 150" or "--quick".
bench-soak: venv
	$(PY) bench/soak.py $(BENCH_ARGS)

# 跨域通办 on one machine: a second instance as the partner region 武汉市江夏区 (420115) on
# port 8001, with its own SQLite database, var dir and keys (var/partner/). Both instances sign
# with the public test keys of docs/exchange/test-keys/ (demo only). Start `make run` too.
.PHONY: partner
PARTNER_DIR := $(CURDIR)/var/partner
partner: export YISHI_VAR_DIR := $(PARTNER_DIR)
partner: export YISHI_KEY_DIR := $(PARTNER_DIR)/keys
partner: export DATABASE_URL := sqlite:///$(PARTNER_DIR)/yishi.sqlite3
partner: export YISHI_DEMO := true
partner: export YISHI_DEBUG := false
partner: export YISHI_EXCHANGE_REGION := 420115
partner: export YISHI_EXCHANGE_REGION_NAME := 武汉市江夏区
partner: export YISHI_EXCHANGE_PUBLIC_URL := http://127.0.0.1:8001
partner: setup ## the partner region (武汉市江夏区) on http://127.0.0.1:8001
	mkdir -p $(PARTNER_DIR)
	$(PY) -m yishi.keys
	$(PY) -m yishi migrate --noinput -v 0
	$(PY) -m yishi collectstatic --noinput -v 0
	$(PY) -m yishi load_demo
	$(PY) -m yishi exchange_demo
	@echo "Partner 武汉市江夏区 (420115) on http://127.0.0.1:8001/"
	@$(PY) -m yishi deliver_outbox --loop 5 >$(PARTNER_DIR)/outbox.log 2>&1 & outbox=$$!; \
	  $(PY) -m yishi dispatch_events --loop 30 >$(PARTNER_DIR)/events.log 2>&1 & events=$$!; \
	  trap 'kill $$outbox $$events 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/uvicorn yishi.asgi:application --host 127.0.0.1 --port 8001 --workers 1 --no-proxy-headers --no-server-header
