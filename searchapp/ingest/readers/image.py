"""Scanned pages as image files (``.png``, ``.jpg``, ``.jpeg``, ``.tif``, ``.tiff``): one paged
article read by OCR (:mod:`.ocr`), each frame of a multi-page TIFF a page."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageSequence, UnidentifiedImageError

# The modules, which tests patch (common.MAX_PAGES, ocr.tesseract_available), by full name:
# `from . import` would name the package, whose __init__ imports this module.
import searchapp.ingest.readers.common as common
import searchapp.ingest.readers.ocr as ocr

from ...errors import CorpusError
from ...text.article import Article, join_pages, split_title
from ..discover import Skipped
from .common import _cap_title
from .pdf import clean_pages

# Below this a stated resolution is a screen default (72 or 96 dpi), not the scan's.
_MIN_SCAN_DPI = 100


def read_image(data: bytes, relpath: str, file_id: str) -> tuple[list[Article], list[Skipped]]:
    """The text OCR reads in the image, one page per frame; frames that could not be read are
    reported. Raises :class:`CorpusError` without Tesseract, or when no text is found."""
    if not data.strip():
        raise CorpusError("empty file")
    image = _open(data)
    try:
        if not ocr.tesseract_available():
            raise CorpusError(f"a scanned image: {ocr.OCR_MISSING}")
        lines, skipped = _read_frames(image, relpath)
    finally:
        image.close()
    pages = clean_pages(lines)
    if not any(pages):
        if skipped and len(skipped) == len(lines):
            raise CorpusError(skipped[0].reason)
        raise CorpusError("no text found by OCR in the image")
    first = next(i for i, page in enumerate(pages) if page)
    title, pages[first], headline = split_title(pages[first])
    body, starts = join_pages(pages)
    return [Article(file_id, _cap_title(title), body, relpath, headline, pages=starts)], skipped


def _open(data: bytes) -> Image.Image:
    try:
        # A bomb warning (over Image.MAX_IMAGE_PIXELS) is refused like the error (twice that).
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CorpusError(
            f"image too large to read: over {Image.MAX_IMAGE_PIXELS:,} pixels "
            "(the guard against decompression bombs)"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorpusError(f"not a readable image ({_detail(exc)})") from exc


def _read_frames(image: Image.Image, relpath: str) -> tuple[list[list[str]], list[Skipped]]:
    limit = common.MAX_PAGES
    pages: list[list[str]] = []
    skipped: list[Skipped] = []
    count = getattr(image, "n_frames", 1)
    frames = ImageSequence.Iterator(image)
    for number in range(1, min(count, limit) + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                frame = next(frames)
                page = _page_image(frame)
        except StopIteration:
            break
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            skipped.append(Skipped(f"{relpath}#page {number}", "image too large to read"))
            pages.append([])
            continue
        except (OSError, SyntaxError, ValueError) as exc:
            reason = f"not a readable image ({_detail(exc)})"
            skipped.append(Skipped(f"{relpath}#page {number}", reason))
            pages.append([])
            continue
        try:
            text = ocr.ocr_image(page, dpi=_dpi(frame))
        except CorpusError as exc:
            skipped.append(Skipped(f"{relpath}#page {number}", exc.message))
            pages.append([])
            continue
        pages.append(text.split("\n"))
    if count > limit:
        where = f"page {count}" if count == limit + 1 else f"pages {limit + 1}-{count}"
        reason = f"not read: a document is read to page {limit:,} (MAX_PAGES)"
        skipped.append(Skipped(f"{relpath}#{where}", reason))
    return pages, skipped


def _page_image(frame: Image.Image) -> Image.Image:
    """The frame decoded, in a mode Tesseract reads: transparency flattened onto white."""
    frame.load()
    if frame.mode in ("1", "L", "RGB"):
        return frame.copy()
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if frame.mode.startswith("I"):  # 16- or 32-bit greyscale
        return frame.point(lambda value: value / 256).convert("L")
    return frame.convert("RGB")


def _dpi(frame: Image.Image) -> int | None:
    dpi = frame.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        return None
    return value if value >= _MIN_SCAN_DPI else None


def _detail(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
