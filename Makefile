# Two commands a newcomer needs: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages WeasyPrint needs for the cards: Pango lays out the text, and HarfBuzz's subset
# library puts only the glyphs used into each PDF (without it WeasyPrint subsets with fontTools:
# slower, and it warns on every card).
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# Debian packages the tests drive: a browser, PDF tools (poppler, qpdf), and WordPress for the embed test.
TEST_DEBS := chromium poppler-utils qpdf fonts-dejavu-core wordpress mariadb-server php-cli php-mysql

.PHONY: build test lint serve check bench clean runtime-deps system-deps messages

# Install the Debian packages named in $(1) that are missing; $(2) says what to do without root.
define apt_install
	@command -v dpkg >/dev/null || { echo "not a Debian system: install $(1) with your package manager"; exit 0; }; \
	missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else \
		echo "missing Debian packages:$$missing (install them as root)"; $(2); exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null
endef

build: runtime-deps $(STAMP)
	$(BIN)/python build.py build

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

runtime-deps:
	$(call apt_install,$(RUNTIME_DEBS),true)

system-deps: runtime-deps
	$(call apt_install,$(TEST_DEBS),exit 1)

# Extract the interface messages from templates and code (babel.cfg) into theme/locale/messages.pot,
# and add new ones to every language's catalogue; translators then fill in the empty msgstr lines.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k pgettext:1c,2 -k npgettext:1c,2,3 --add-comments=Translators: \
		--no-location --sort-output -o theme/locale/messages.pot .
	$(BIN)/pybabel update -i theme/locale/messages.pot -d theme/locale --no-fuzzy-matching \
		--ignore-obsolete

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: system-deps $(STAMP) lint
	$(BIN)/python -m pytest -q --durations=15

check: $(STAMP)
	$(BIN)/python build.py check

serve: $(STAMP)
	$(BIN)/python build.py serve

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf site .site.* build .cache
