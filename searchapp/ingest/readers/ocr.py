"""Optical character recognition of scanned pages with Debian's ``tesseract`` command: the PDF
reader's pages without a text layer and the image reader's scans. No Python wrapper: the
command reads the image on stdin and writes the text on stdout."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import cache
from typing import TYPE_CHECKING

from ...errors import CorpusError

if TYPE_CHECKING:
    from PIL import Image

# The install hint, shown wherever a scan is met on a machine without Tesseract.
OCR_MISSING = "OCR needs Tesseract: install tesseract-ocr and tesseract-ocr-eng (make system)"
LANGUAGE = "eng"
# Resolution PDF pages are rendered at for OCR: Tesseract reads 300 dpi text best.
OCR_DPI = 300
# One page of dense text takes a few seconds; a page still running after this is stuck.
PAGE_TIMEOUT_S = 120
_COMMAND = "tesseract"
# Tesseract processes reading one document's scanned pages side by side: one per core.
OCR_WORKERS = max(1, min(4, len(os.sched_getaffinity(0))))


@cache
def tesseract_available() -> bool:
    """Whether the ``tesseract`` command is installed with its English data (checked once)."""
    path = shutil.which(_COMMAND)
    if path is None:
        return False
    try:
        result = subprocess.run(
            [path, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    # Tesseract 4 and later list on stdout, older versions on stderr; the first line is a title.
    listed = (result.stdout + "\n" + result.stderr).split()
    return result.returncode == 0 and LANGUAGE in listed


def ocr_image(image: Image.Image | bytes, dpi: int | None = None) -> str:
    """The text Tesseract reads in ``image`` (a Pillow image, or an image file's bytes), lines
    separated by newlines and paragraphs by blank lines. ``dpi`` is the scan's resolution when
    known (Tesseract guesses it otherwise). Raises :class:`CorpusError` when Tesseract is
    missing, fails or takes longer than :data:`PAGE_TIMEOUT_S`."""
    if isinstance(image, bytes | bytearray):
        data = bytes(image)
    else:
        buffer = io.BytesIO()
        # Fast compression: the PNG only travels through a pipe, and a 300 dpi page is big.
        image.save(buffer, "PNG", compress_level=1)
        data = buffer.getvalue()
    command = [_COMMAND, "stdin", "stdout", "-l", LANGUAGE, "--psm", "3"]
    if dpi:
        command += ["--dpi", str(int(dpi))]
    # One thread per tesseract: the pages of a reindex are the parallel work, and OpenMP's
    # threads only compete with each other on a small machine.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        result = subprocess.run(
            command, input=data, capture_output=True, timeout=PAGE_TIMEOUT_S, env=env, check=False
        )
    except FileNotFoundError as exc:
        raise CorpusError(OCR_MISSING) from exc
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(
            f"OCR timed out: Tesseract took over {PAGE_TIMEOUT_S} s on a page"
        ) from exc
    except OSError as exc:
        raise CorpusError(f"OCR failed: cannot run Tesseract ({exc.strerror or exc})") from exc
    if result.returncode != 0:
        errors = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = errors[-1] if errors else f"exit status {result.returncode}"
        raise CorpusError(f"OCR failed: Tesseract could not read the image ({detail})")
    return result.stdout.decode("utf-8", "replace").replace("\f", "\n")
