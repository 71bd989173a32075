# Two commands a newcomer needs: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the tests drive: a browser, PDF tools, and WordPress for the embed test.
TEST_DEBS := chromium poppler-utils fonts-dejavu-core wordpress mariadb-server php-cli php-mysql

.PHONY: build test lint serve check bench clean system-deps

build: $(STAMP)
	$(BIN)/python build.py build

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

system-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/python build.py check

serve: $(STAMP)
	$(BIN)/python build.py serve

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf site .site.* build .cache
