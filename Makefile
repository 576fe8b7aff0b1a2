# Quick start: `make run` (demo portal on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per kind of install and version of pyproject.toml: the portal alone (`make run`)
# or with the development tools (`make install`, `make test`).
DEPS := $(shell sha1sum pyproject.toml | cut -c1-12)
STAMP_PORTAL := $(VENV)/.installed-portal-$(DEPS)
STAMP_DEV := $(VENV)/.installed-dev-$(DEPS)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-portal run test lint check schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_PORTAL): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.installed-portal-*
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@ $(STAMP_PORTAL)

# What the portal needs to run, nothing more.
install-portal: $(STAMP_PORTAL)

# The portal and the development tools (tests, linters, type checker, browser driver).
install: $(STAMP_DEV)

run: install-portal
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py audit_checkpoint --quiet
	@echo "Serving http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/)"
	DEBUG=true SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	mkdir -p var
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml
	$(BIN)/openapi-spec-validator var/openapi.yaml

test: install lint check
	$(BIN)/python -m pytest -q -n auto

schema: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .hypothesis
