"""The load test (benchmarks/load.py driving benchmarks/locustfile.py), run for a few seconds
on the fixture corpus. Locust runs in subprocesses only: it monkeypatches with gevent."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import load

QUANTILES = ("p50_ms", "p95_ms", "p99_ms")


def test_a_short_load_run_has_no_failures(
    fixture_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "load.json"
    seeds = fixture_index.parent / "corpus"  # where the fixture made it
    argv = ["--index", str(fixture_index), "--seeds", str(seeds), "--run-time", "4s"]
    code = load.main([*argv, "--users", "2", "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0, capsys.readouterr().out
    assert report["locust_exit_code"] == 0
    assert report["total"]["failures"] == 0 and report["failure_reasons"] == []
    assert report["search"]["requests"] > 0 and report["documents"] > 0
    for figures in (report["search"], report["total"], *report["requests"].values()):
        assert set(figures) == {"requests", "failures", "requests_per_s", *QUANTILES}
    # The mix reached the API searches, the HTML page and the articles taken from results.
    assert {"search: keywords", "search: html", "article: api"} <= set(report["requests"])
    printed = capsys.readouterr().out
    assert load.SEARCH_ROW in printed and "0 failures" in printed


@pytest.mark.parametrize("host", ["http://example.com", "http://192.0.2.1:5000", None])
def test_the_locustfile_refuses_any_host_but_loopback(host: str | None, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "locust", "-f", str(load.LOCUSTFILE), "--headless"]
    command += [*(["--host", host] if host else []), "--run-time", "1s", "--users", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode != 0
    assert "refusing to load-test" in done.stderr
    assert "Starting headless" not in done.stderr  # stopped before any user


@pytest.mark.parametrize(("text", "seconds"), [("60", 60), ("60s", 60), ("2m", 120), ("1h", 3600)])
def test_run_times_read_as_locust_writes_them(text: str, seconds: int) -> None:
    assert load.duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "ten", "5x"])
def test_bad_run_times_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        load.duration(text)
