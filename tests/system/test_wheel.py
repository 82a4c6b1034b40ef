"""The built wheel is the whole application: installed into a fresh virtual environment
outside the checkout, it indexes a folder and serves the pages and the API."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, seconds: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel built from this checkout; its dependencies are read
    from the test's own environment (a .pth), so nothing is downloaded."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy, so the build leaves nothing in the checkout.
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "searchapp", "templates"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(work / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = (work / "dist").glob("searchapp-*.whl")
    env_dir = work / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # Only paths, not the test environment's .pth files: its editable searchapp stays out.
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    return env_dir


def test_the_wheel_serves_the_pages_and_the_api(installed: Path, tmp_path: Path):
    where = subprocess.run(
        [installed / "bin" / "python", "-c", "import searchapp; print(searchapp.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert Path(where).is_relative_to(installed) and not Path(where).is_relative_to(ROOT)
    shutil.copytree(SEEDS, tmp_path / "seeds")
    searchapp = str(installed / "bin" / "searchapp")
    indexed = subprocess.run([searchapp, "reindex"], cwd=tmp_path, capture_output=True, text=True)
    assert indexed.returncode == 0, indexed.stderr
    port = free_port()
    server = subprocess.Popen(
        [searchapp, "serve", "--port", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        status, home = get(f"{base}/")
        assert status == 200 and "<form" in home and "/static/style.css" in home
        status, results = get(f"{base}/search?q=spy")
        assert status == 200 and "<mark>" in results.lower()
        assert get(f"{base}/static/style.css")[0] == 200
        status, api = get(f"{base}/api/search?q=spy")
        assert status == 200 and '"total"' in api
        # The entity pages: their template, and the name and place lists the wheel ships.
        status, page = get(f"{base}/entity/person/Christine%20Lee")
        assert status == 200 and "<h1>Christine Lee</h1>" in page
        assert "gender-guesser" in page and 'href="/entity/place/Beijing"' in page
    finally:
        server.terminate()
        server.wait(timeout=30)
