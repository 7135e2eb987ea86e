# Laurel — the two commands: `make demo` and `make test`. Everything else is a helper of those.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# System packages: WeasyPrint + CJK fonts (STACK-NOTES.md), gettext for translations, venv support,
# chromium for the browser test (Playwright drives it; its own browser download fails offline).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk gettext poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test check format system-deps install messages messages-update bench clean

## demo: install everything, migrate, load divisions and demo data, start the worker and server
# The demo runs in development mode: DEBUG on, demo users exempt from two-factor sign-in.
demo: export DEBUG ?= 1
demo: export LAUREL_2FA_EXEMPT_DEMO_USERS ?= 1
# Letters' QR codes and emails' links point at the port the demo serves on (LAUREL_PUBLIC_BASE_URL).
demo: export PORT := $(PORT)
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py make_dev_letter_cert
	@echo ""
	@echo "Laurel is starting on http://127.0.0.1:$(PORT)/  (sign in with a login above; Ctrl-C stops it)"
	@$(PY) manage.py db_worker >var/worker.log 2>&1 & worker=$$!; \
	  $(PY) manage.py run_scheduler >var/scheduler.log 2>&1 & scheduler=$$!; \
	  trap "kill $$worker $$scheduler 2>/dev/null" EXIT INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: the same install, then static checks and the whole test suite (DATABASE_URL when set)
test: install check
	$(VENV)/bin/pytest -p no:cacheprovider --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

## check: lint, format, types, migrations in step with models, the layering of the apps
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --settings=tests.settings
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if ! $(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: system-deps $(VENV)/.installed messages
	@mkdir -p var

messages: $(VENV)/.installed
	@DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

# Apps keep their own catalogues (<app>/locale); templates/ and config/ use locale/.
LOCALE_APPS := core accounts jurisdictions audit subjects benefits cases workflows notifications policies petitions reports crosscheck quality transfers letters portal audit_ui
## messages-update: extract every translatable string into the catalogues (then fill zh_Hans)
messages-update: $(VENV)/.installed
	@for app in $(LOCALE_APPS); do \
	  mkdir -p $$app/locale && (cd $$app && DEBUG=1 ../$(PY) ../manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location -v 0) || exit 1; \
	done
	@DEBUG=1 $(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location -v 0 --ignore=.venv --ignore=var \
	  $(foreach a,$(LOCALE_APPS),--ignore=$(a))

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var/static var/test
