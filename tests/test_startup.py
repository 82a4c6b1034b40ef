"""The command's start-up: heavy modules are imported only by the commands that use them."""

from __future__ import annotations

import subprocess
import sys

from searchapp import cli, search


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_help_imports_no_engine_nltk_whoosh_or_flask():
    loaded = run_python(
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from searchapp.cli import main\n"
        "assert 'reindex' in CliRunner().invoke(main, ['--help']).output\n"
        "heavy = ('nltk', 'whoosh', 'flask', 'scipy', 'tqdm', 'searchapp.reindex',"
        " 'searchapp.search', 'searchapp.web')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    assert loaded == "[]"


def test_nltk_is_imported_without_scipy_which_still_imports_afterwards():
    loaded = run_python(
        "import sys\n"
        "from searchapp.text import analysis\n"
        "print('nltk' in sys.modules, 'scipy' in sys.modules)\n"
        "try:\n"
        "    import scipy\n"
        "except ImportError:\n"
        "    print('no scipy installed')\n"
        "else:\n"
        "    print('scipy', scipy.__name__)\n"
    )
    first, second = loaded.splitlines()
    assert first == "True False"
    assert second in ("scipy scipy", "no scipy installed")


def test_sort_choices_match_the_engine():
    assert cli.SORTS == search.SORTS
