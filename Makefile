# The two commands of the README: `make run` and `make check`. Both set everything up first.
# The interpreter the virtual environment is made from: the distribution's /usr/bin/python3 when
# it is 3.11 or newer and can make one. Debian builds it with profile-guided and link-time
# optimisation; pyenv's builds, first on PATH on our machines, are not, and render the PDF
# documents about 11 % slower (bench/README.md). Any Python 3.11 or newer works:
# `make check PYTHON=python3.12` (after `rm -rf .venv`).
SYSTEM_PYTHON := $(shell /usr/bin/python3 -c 'import ensurepip, sys; assert sys.version_info >= (3, 11)' 2>/dev/null && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export DJANGO_ENV ?= development
# Background workers started by `make run` (bench/README.md: Background work).
WORKERS ?= $(shell nproc 2>/dev/null || echo 1)
# Where `make run` serves (http://127.0.0.1:$(PORT)/).
PORT ?= 8000

.PHONY: run check setup setup-run messages system-packages test-packages

# A virtual environment with the project and its development tools; redone when pyproject changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogues (.mo) are build products: made from the .po files in locale/.
messages: $(BIN)/.installed
	$(PY) manage.py compilemessages --verbosity 0 --ignore '$(VENV)' --ignore node_modules

# Debian packages, installed when missing and we are root (as on CI); otherwise we say what to
# install. `make run` needs gettext (the catalogues) and Pango (WeasyPrint lays out the PDFs);
# `make check` also chromium and npm, for the browser tests and their accessibility checks.
define install-missing
	@missing=""; for need in $(1); do case $$need in \
	  gettext) command -v msgfmt >/dev/null || missing="$$missing gettext";; \
	  pango) ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0";; \
	  *) command -v $$need >/dev/null || missing="$$missing $$need";; \
	esac; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (sudo apt-get install$$missing)" >&2; exit 1; fi; \
	fi
endef

system-packages:
	$(call install-missing,gettext pango)

test-packages:
	$(call install-missing,chromium npm)

# axe-core, for the accessibility checks of the browser tests (package-lock.json pins it).
node_modules/.installed: package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

setup-run: system-packages $(BIN)/.installed messages

setup: setup-run test-packages node_modules/.installed

run: setup-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --publish
	$(PY) manage.py load_known_cookies
	$(PY) manage.py demo_login --url http://127.0.0.1:$(PORT)/admin/
	@# Background workers (one per core: a release's 8 documents render two at a time on two
	@# cores) run next to the web server and stop with it (Ctrl+C).
	for n in $$(seq $(WORKERS)); do $(PY) manage.py worker & workers="$$workers $$!"; done; \
	trap 'kill $$workers 2>/dev/null; wait $$workers' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

check: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest
