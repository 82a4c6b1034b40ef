"""``searchapp serve`` and the CLI run as child processes, the way a user starts them: used by
the system tests and by the speed and load benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def searchapp_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "searchapp.cli", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``searchapp serve`` on a free port of 127.0.0.1 in a child process, its output in
    ``log`` if given; stopped on exit."""

    def __init__(
        self, index_dir: Path, seeds_dir: Path, threads: int = 8, log: Path | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = searchapp_command(
            "serve", "--port", str(self.port), "--threads", str(threads),
            "--index", str(index_dir), "--seeds", str(seeds_dir),
            "--rate-limit", "off",  # the clients here are the load, not abuse
        )  # fmt: skip
        with log.open("wb") if log else open(os.devnull, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=5):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"searchapp serve exited at start{self._output()}") from None
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"searchapp serve did not answer within 60 s{self._output()}")

    def _output(self) -> str:
        return f":\n{self.log.read_text(errors='replace')}" if self.log else ""

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def search(self, text: str) -> float:
        """One search over HTTP; milliseconds (raises on any status but 200)."""
        url = f"{self.url}/api/search?" + urllib.parse.urlencode({"q": text, "per_page": 10})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{text!r}: HTTP {exc.code} {exc.read()[:200]!r}") from None
        return (time.perf_counter() - started) * 1000
