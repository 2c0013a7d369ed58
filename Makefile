# The README's commands. Each target sets up .venv on first use (Python 3.11+),
# so `make run` and `make test` work on a fresh machine with nothing else done.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
LABSTAMP := $(VENV)/.installed-lab
# MDN's browser-compat-data (npm), which the browser-support claims read
BCD_VERSION := 8.1.9
BCDSTAMP := $(VENV)/mdn-bcd/node_modules/@mdn/browser-compat-data/package.json


.PHONY: run test lint typecheck chromium tcpdump nginx bcd pytest notebooks report serve lab bench clean

# PYTHONWARNINGS=ignore keeps setuptools' build-time notices (editable installs)
# out of the first run's output; errors still stop the install.
PIP := PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("rtlab needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e '.[dev]'
	touch $@

$(LABSTAMP): $(STAMP)
	$(PIP) -e '.[dev,lab]'
	touch $@

# The browser-support claims read MDN's browser-compat-data, installed with npm into
# .venv/mdn-bcd (git-ignored). Without npm the claims say "not testable here".
bcd:
	@if [ -f $(BCDSTAMP) ] && grep -q '"version": "$(BCD_VERSION)"' $(BCDSTAMP); then :; \
	elif command -v npm >/dev/null 2>&1; then \
		echo "installing MDN browser-compat-data $(BCD_VERSION) into $(VENV)/mdn-bcd"; \
		npm install --prefix $(VENV)/mdn-bcd @mdn/browser-compat-data@$(BCD_VERSION) \
			--no-audit --no-fund --silent; \
	else \
		echo "no npm: the browser-support claims will say 'not testable here' (npm package @mdn/browser-compat-data)"; \
	fi

## the lab's main job: the standard comparison (every technique on loopback and 4G),
## printed one line per run and saved as results/standard-DATE-TIME.* (git-ignored)
run: $(STAMP) bcd
	$(BIN)/rtlab run

## every test: lint, format, types, the test suite, then every notebook (quick mode)
test: lint typecheck chromium tcpdump nginx pytest notebooks

# The browser tests drive the system Chromium (Debian package `chromium`) through
# Playwright. When it is missing and this is root on Debian, install it; otherwise
# the browser tests skip, saying which package they need.
chromium:
	@if [ -n "$$RTLAB_CHROMIUM" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Chromium for the browser tests: apt-get install chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "no Chromium and no way to install it here: the browser tests will skip (Debian package 'chromium')"; \
	fi

# The packet-capture tests (rtlab.studies.packets) run tcpdump on loopback, as root;
# installed the same way, else they skip naming the package.
tcpdump:
	@if command -v tcpdump >/dev/null 2>&1 || [ -x /usr/bin/tcpdump ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing tcpdump for the packet-capture tests: apt-get install tcpdump"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null; \
	else \
		echo "no tcpdump and no way to install it here: the capture tests will skip (Debian package 'tcpdump')"; \
	fi

# The HTTP/2 claim (rtlab.studies.claims.http2) and rtlab.runs.nginx put a real nginx
# in front of the lab (HTTP/2 over TLS on loopback); installed the same way, else
# their tests skip and the claim says it depends, naming the package.
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing nginx for the HTTP/2 tests: apt-get install nginx"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	else \
		echo "no nginx and no way to install it here: the HTTP/2 tests will skip (Debian package 'nginx')"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check rtlab tests bench
	$(BIN)/ruff format --check rtlab tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy rtlab

pytest: $(STAMP) bcd
	$(BIN)/python -m pytest

# Notebooks run under nbval from a temporary folder (so they rely on the installed
# package only), in quick mode, with a fresh kernel each.
notebooks: $(STAMP) bcd
	cd "$$(mktemp -d)" && RTLAB_QUICK=1 $(CURDIR)/$(BIN)/python -m pytest --nbval-lax \
		-p no:cacheprovider -c /dev/null --nbval-cell-timeout=300 $(CURDIR)/notebooks

## run the server in the foreground (Ctrl-C stops it)
serve: $(STAMP)
	$(BIN)/rtlab serve

## execute every notebook into results/report/*.html (interactive figures kept;
## plotly.js is embedded so the report works offline)
report: $(LABSTAMP)
	mkdir -p results/report
	PLOTLY_RENDERER=notebook $(BIN)/jupyter nbconvert --to html --execute \
		--ExecutePreprocessor.timeout=1200 --output-dir results/report notebooks/*.ipynb

## open JupyterLab on the notebooks (as root, JupyterLab needs --allow-root)
lab: $(LABSTAMP)
	$(BIN)/jupyter lab notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

## benchmarks (print figures, assert nothing)
bench: $(STAMP)
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/measure.py
	$(BIN)/python bench/reliability.py
	$(BIN)/python bench/load.py --out results
	$(BIN)/python bench/browser.py --compare
	$(BIN)/python bench/wire.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
