"""A screenshot of the results page for one query: the search box, the timeline of hits per
month above the results, and the first few hits (the README's ``docs/timeline-news.png``).

It serves the index with ``searchapp serve`` in a child process on a free loopback port
(rate limit off), waits until the server answers, opens ``/search?q=…`` in Debian's headless
Chromium through Selenium (``chromium`` and ``chromium-driver``; ``make browser`` installs
them), and saves the page as PNG: cropped with Pillow under the ``--hits``-th hit (the whole
window when there are fewer), at 2 device pixels per CSS pixel by default (the chart's
10 px labels stay sharp), quantised to a palette and optimised, so that it stays small.
The server is stopped however that ends. The histogram the chart draws (months with their
counts, as ``/api/search`` returns it) is printed, to check the picture against::

    python -m benchmarks.screenshot --index data/news-index --seeds data/news \\
        --query China --out docs/timeline-news.png
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.wait import WebDriverWait

# As tests/system/test_browser.py: without the networking flags Chromium keeps calling Google
# services, which on a closed network only floods it with refused connections.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
START_TIMEOUT = 120.0  # seconds for the server to open the index and answer
PAGE_TIMEOUT = 30.0  # seconds for the results page and its chart
CROP_MARGIN = 10  # CSS px kept under the last hit shown


def free_port() -> int:
    """A loopback port nobody listens on now (the OS's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(index: Path, seeds: Path) -> Iterator[str]:
    """``searchapp serve`` on ``index`` and ``seeds`` in a child process on a free port,
    yielding its address once it answers; stopped (terminated, killed if need be) at the end."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "searchapp.cli",
        "serve",
        "--index",
        str(index),
        "--seeds",
        str(seeds),
        "--port",
        str(port),
        "--rate-limit",
        "off",
    ]
    server = subprocess.Popen(command)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with status {server.returncode}")
            try:
                with urlopen(base + "/", timeout=5) as response:
                    if response.status == 200:
                        break
            except (URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer within {START_TIMEOUT:.0f} s")
            time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def histogram(base: str, query: str) -> dict:
    """The search's histogram as the JSON API gives it."""
    with urlopen(f"{base}/api/search?{urlencode({'q': query, 'per_page': 1})}") as response:
        return json.load(response)["histogram"]


def shoot(url: str, width: int, height: int, scale: float, hits: int) -> Image.Image:
    """``url`` in headless Chromium at ``width`` × ``height`` CSS px (``scale`` device pixels
    each), cropped under the ``hits``-th result."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        raise SystemExit("needs Debian's chromium and chromium-driver (`make browser`)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--force-device-scale-factor={scale}")
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        # --window-size sets the window, not the viewport: make the viewport the size asked.
        inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
        outer = browser.get_window_size()
        browser.set_window_size(
            outer["width"] + width - inner[0], outer["height"] + height - inner[1]
        )
        browser.get(url)
        WebDriverWait(browser, PAGE_TIMEOUT).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, "ol.results > li"))
        )
        browser.execute_script("return document.fonts.ready")
        results = browser.find_elements(By.CSS_SELECTOR, "ol.results > li")
        bottom = height
        if len(results) >= hits:
            rect = browser.execute_script(
                "return arguments[0].getBoundingClientRect().bottom", results[hits - 1]
            )
            bottom = min(height, int(rect) + CROP_MARGIN)
        image = Image.open(io.BytesIO(browser.get_screenshot_as_png()))
    finally:
        browser.quit()
    return image.crop((0, 0, image.width, round(bottom * scale)))


def save(image: Image.Image, out: Path, colours: int) -> None:
    """``image`` as an optimised PNG of at most ``colours`` colours (0: as it is, RGB)."""
    image = image.convert("RGB")
    if colours:
        image = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index folder to serve")
    parser.add_argument("--seeds", type=Path, required=True, help="its articles folder")
    parser.add_argument("--query", required=True, help="the search shown")
    parser.add_argument("--out", type=Path, default=Path("docs/timeline-news.png"))
    parser.add_argument("--width", type=int, default=1200, help="viewport CSS px")
    parser.add_argument("--height", type=int, default=900, help="viewport CSS px")
    parser.add_argument(
        "--scale", type=float, default=2.0, help="device pixels per CSS px (2: sharp text)"
    )
    parser.add_argument("--hits", type=int, default=3, help="crop under this many hits")
    parser.add_argument(
        "--colours", type=int, default=256, help="palette size (0: keep full colour)"
    )
    args = parser.parse_args(argv)
    with serve(args.index, args.seeds) as base:
        months = histogram(base, args.query)
        url = f"{base}/search?{urlencode({'q': args.query})}"
        image = shoot(url, args.width, args.height, args.scale, args.hits)
    save(image, args.out, args.colours)
    busiest = sorted(months["months"], key=lambda m: -m["count"])
    print(
        f"{args.query!r}: {months['total']:,} hits, {len(months['months'])} months "
        f"({months['undated']:,} undated); most: "
        + ", ".join(f"{m['month']} {m['count']:,}" for m in busiest[:4] if m["count"])
    )
    print(f"{args.out}: {image.width}×{image.height} px, {args.out.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
