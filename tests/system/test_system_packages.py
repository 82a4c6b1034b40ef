"""The README's test command passes on a machine without the optional Debian packages: every
test that needs one skips, naming the package and `make system`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A pytest plugin that hides xapian-tcpsrv from shutil.which, as on a fresh machine.
HIDE = """
import shutil
_which = shutil.which
shutil.which = lambda name, *a, **k: None if name == "xapian-tcpsrv" else _which(name, *a, **k)
"""


def test_xapian_cluster_tests_skip_without_xapian_tools(tmp_path: Path):
    (tmp_path / "hide_tcpsrv.py").write_text(HIDE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "hide_tcpsrv", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/engines/xapian/test_xapian_engine.py", "tests/system/test_cluster.py",
         "-k", "cluster or shard",
         "-W", "ignore::pytest.PytestUnraisableExceptionWarning"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-3000:]
    assert "failed" not in summary and "error" not in summary, summary
    assert "skipped" in summary, summary
    skips = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips and all("xapian-tools" in s and "make system" in s for s in skips), skips
