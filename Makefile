# Kompetenscentret: `make run` serves the demo, `make test` runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install serve demo translations extract-messages bench clean

run: install demo serve

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	-fc-cache -f >/dev/null 2>&1
	touch $@

demo: install
	$(BIN)/lms init-db
	$(BIN)/lms content import
	$(BIN)/lms seed-demo

serve: install
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C stops)"
	$(BIN)/flask --app lms run --host $(HOST) --port $(PORT)

test: install node_modules/.installed
	$(BIN)/bandit -q -ll -r lms
	scripts/with-postgres $(BIN)/python -m pytest --ignore=tests/stack $(PYTEST_ARGS)
	scripts/with-stack $(BIN)/python -m pytest -m stack tests/stack $(PYTEST_ARGS)

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: browser tests will skip their accessibility checks"; fi

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-location=file -w 100 -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching -w 100

translations: install
	$(BIN)/pybabel compile -d lms/translations

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache
