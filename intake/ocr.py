"""Scanned attachments read with OCR: images (PNG, JPEG, TIFF) and PDF pages without text.

`intake.attachments` calls `image_text` for an attachment whose first bytes say it is an image
and `pdf_pages_text` for the pages of a PDF that have no text layer; the text goes into
`Attachment.text`, where extraction reads it like any PDF's text (a signed destruction
certificate sent as a photo or a scan). Tesseract (Debian's `tesseract-ocr` with the Dutch,
French and English data) runs as a child process through pytesseract, one thread each.

Scans are hostile input, so every step is bounded (`limits.ocr_*`):
- pixels: an image's size is read from its header before anything is decoded, and one over
  `ocr_max_pixels` is refused (decompression bombs); a PDF page is rendered at 300 DPI or less,
  never above that many pixels, and a page holding an embedded image above it is refused;
- pages: at most `ocr_pages` frames of a TIFF or pages of a PDF;
- time: all scanned pages of one mail share `ocr_seconds` (`OcrClock`); tesseract gets what
  is left, and is killed when it runs over.
Words tesseract is unsure of (noise, a signature scribble) are left out; a page with fewer
than a few sure words has no readable text. A failure is an error string, never an exception.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import os
import time
import warnings
from collections.abc import Sequence
from typing import Protocol

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

#: the media types (sniffed from the first bytes) read with OCR
OCR_TYPES = frozenset({"image/png", "image/jpeg", "image/tiff"})
#: tesseract's data for Dutch, French and English (Debian tesseract-ocr-nld, -fra, -eng)
LANGUAGES = ("nld", "fra", "eng")
#: words tesseract gives a lower confidence (0-100) are left out: noise, scribbles, stamps
MIN_CONFIDENCE = 50
#: a page with fewer sure words than this holds no readable text
MIN_WORDS = 3
#: an image smaller than this on a side holds no page of text (a logo, a spacer, an icon)
MIN_SIDE = 200
#: resolution for PDF pages, and the largest image handed to tesseract: a 300 DPI A4 page is
#: 8.7 million pixels; larger photos are scaled down to this first
PDF_DPI = 300
WORK_PIXELS = 12_000_000
_FORMATS = {"PNG", "JPEG", "MPO", "TIFF"}


class OcrLimits(Protocol):
    """The part of `intake.parse.ParseLimits` that bounds OCR."""

    @property
    def ocr(self) -> bool: ...
    @property
    def ocr_pages(self) -> int: ...
    @property
    def ocr_max_pixels(self) -> int: ...
    @property
    def ocr_seconds(self) -> float: ...
    @property
    def attachment_text_bytes(self) -> int: ...


class OcrError(Exception):
    """OCR could not read a page; the message says why, for the people reading the ticket."""


class OcrClock:
    """The OCR time left for one mail (`limits.ocr_seconds`): every scanned attachment of the
    mail spends from it, so twenty photos cost no more than one budget."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.used = 0.0

    @property
    def left(self) -> float:
        return self.seconds - self.used

    def spend(self, seconds: float) -> None:
        self.used += max(seconds, 0.0)


def _environment() -> None:
    # tesseract spreads one page over every core by default; the service reads many mails
    # side by side on few cores, where one thread per page is faster overall
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@functools.lru_cache(maxsize=4)
def _languages(command: str) -> str:
    import pytesseract

    try:
        installed = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError:
        raise OcrError("OCR unavailable: tesseract is not installed") from None
    except Exception as exc:  # an unusable installation
        raise OcrError(f"OCR unavailable: {type(exc).__name__}: {str(exc)[:200]}") from None
    found = [lang for lang in LANGUAGES if lang in installed]
    if not found:
        raise OcrError("OCR unavailable: tesseract has no Dutch, French or English data")
    return "+".join(found)


def languages() -> str:
    """The tesseract languages to read with ("nld+fra+eng"); OcrError when there are none."""
    import pytesseract

    return _languages(str(pytesseract.pytesseract.tesseract_cmd))


def recognise(image: Image.Image, deadline: float) -> str:
    """The sure words of one page, line by line, paragraphs apart; "" when fewer than
    MIN_WORDS. Tesseract is killed at `deadline` (time.monotonic())."""
    import pytesseract

    langs = languages()
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrError("out of time")
    _environment()
    image.format = "PPM"  # handed over uncompressed: writing a PNG of a page costs 0.5 s
    try:
        data = pytesseract.image_to_data(
            image, lang=langs, output_type=pytesseract.Output.DICT, timeout=remaining
        )
    except pytesseract.TesseractNotFoundError:
        raise OcrError("OCR unavailable: tesseract is not installed") from None
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrError("out of time") from None
        raise OcrError(f"OCR failed: {str(exc)[:200]}") from None
    except pytesseract.TesseractError as exc:
        raise OcrError(f"OCR failed: {str(exc)[:200]}") from None
    return _sure_text(data)


def _sure_text(data: dict[str, list[object]]) -> str:
    lines: dict[tuple[int, int, int], list[str]] = {}
    sure = 0
    for i, word in enumerate(data.get("text", [])):
        text = str(word).strip()
        if not text:
            continue
        try:
            confidence = float(str(data["conf"][i]))
        except (KeyError, IndexError, ValueError):
            continue
        if confidence < MIN_CONFIDENCE:
            continue
        key = tuple(int(str(data[k][i])) for k in ("block_num", "par_num", "line_num"))
        lines.setdefault((key[0], key[1], key[2]), []).append(text)
        if sum(ch.isalpha() for ch in text) >= 2:
            sure += 1
    if sure < MIN_WORDS:
        return ""
    out: list[str] = []
    previous: tuple[int, int] | None = None
    for (block, par, _line), words in sorted(lines.items()):
        if previous is not None and previous != (block, par):
            out.append("")  # a blank line between paragraphs: a sentence ends there
        out.append(" ".join(words))
        previous = (block, par)
    return "\n".join(out)


def _prepare(image: Image.Image) -> Image.Image:
    """Upright, grey, and no larger than WORK_PIXELS (decoded once, smaller where the format
    allows: a JPEG is decoded at 1/2, 1/4 or 1/8 of its size directly)."""
    width, height = image.size
    factor = max(1, math.ceil(math.sqrt(width * height / WORK_PIXELS)))
    if image.format in ("JPEG", "MPO") and factor > 1:
        image.draft("L", (width // factor, height // factor))
    upright = ImageOps.exif_transpose(image)
    grey = upright.convert("L")
    pixels = grey.size[0] * grey.size[1]
    if pixels > WORK_PIXELS:
        grey = grey.reduce(math.ceil(math.sqrt(pixels / WORK_PIXELS)))
    return grey


def _frames(image: Image.Image, limit: int) -> tuple[int, bool]:
    """How many frames to read (at most `limit`), and whether there are more."""
    count = 0
    while count < limit:
        try:
            image.seek(count)
        except EOFError:
            return count, False
        count += 1
    try:
        image.seek(count)
    except EOFError:
        return count, False
    return count, True


def _outcome(
    texts: Sequence[str], limits: OcrLimits, stopped: str | None
) -> tuple[str | None, str | None]:
    text = "\n\n".join(t for t in texts if t).strip()[: limits.attachment_text_bytes]
    if stopped is not None and not text:
        return None, stopped
    if not text:
        return "", "OCR found no readable text"
    return text, stopped


def _used_up(limits: OcrLimits) -> str:
    return f"not read: the OCR time of this mail ({limits.ocr_seconds:g} s) is used up"


def image_text(
    data: bytes, limits: OcrLimits, clock: OcrClock | None = None
) -> tuple[str | None, str | None]:
    """(text, error) of a scanned image: every frame of a TIFF up to `ocr_pages`, within the
    mail's OCR time (`clock`; a fresh `ocr_seconds` without one)."""
    if not limits.ocr:
        return None, "not read: OCR is off (limits.ocr)"
    clock = clock or OcrClock(limits.ocr_seconds)
    if clock.left <= 0:
        return None, _used_up(limits)
    started = time.monotonic()
    try:
        return _image_text(data, limits, started + clock.left)
    finally:
        clock.spend(time.monotonic() - started)


def _image_text(data: bytes, limits: OcrLimits, deadline: float) -> tuple[str | None, str | None]:
    started = time.monotonic()
    try:
        with warnings.catch_warnings():  # the size is checked below, against our own limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:
        return None, f"image refused before decoding: {str(exc)[:200]}"
    except Exception as exc:
        return None, f"could not read the image: {type(exc).__name__}: {str(exc)[:200]}"
    with image:
        if image.format not in _FORMATS:
            return None, f"not read with OCR: {image.format or 'unknown'} image"
        count, more = _frames(image, limits.ocr_pages)
        texts: list[str] = []
        stopped: str | None = None
        for number in range(count):
            image.seek(number)
            width, height = image.size
            if width * height > limits.ocr_max_pixels:
                return None, (
                    f"image of {width}x{height} pixels is over the OCR limit of "
                    f"{limits.ocr_max_pixels} pixels (limits.ocr_max_pixels); not decoded"
                )
            if min(width, height) < MIN_SIDE:
                stopped = f"image of {width}x{height} pixels is too small to hold a page of text"
                continue
            try:
                texts.append(recognise(_prepare(image), deadline))
            except OcrError as exc:
                stopped = _stopped(exc, limits, number)
                break
            except Exception as exc:  # a broken image part must not stop the mail
                stopped = f"could not read the image: {type(exc).__name__}: {str(exc)[:200]}"
                break
        if stopped is None and more:
            stopped = f"only the first {limits.ocr_pages} pages were read with OCR"
    log.debug("OCR of %d page(s) took %.2f s", count, time.monotonic() - started)
    return _outcome(texts, limits, stopped)


def _stopped(exc: OcrError, limits: OcrLimits, number: int) -> str:
    if str(exc) == "out of time":
        return (
            f"OCR stopped after {limits.ocr_seconds:g} s at page {number + 1} "
            "(limits.ocr_seconds; tesseract killed)"
        )
    return str(exc)


def pdf_pages_text(
    data: bytes, pages: Sequence[int], limits: OcrLimits, clock: OcrClock | None = None
) -> tuple[dict[int, str], str | None]:
    """OCR text of the given PDF pages (0-based; at most `ocr_pages` of them), rendered with
    pypdfium2, and why any were not read; within the mail's OCR time like `image_text`."""
    if not limits.ocr:
        return {}, "pages without text not read: OCR is off (limits.ocr)"
    clock = clock or OcrClock(limits.ocr_seconds)
    if clock.left <= 0:
        return {}, "pages without text " + _used_up(limits)
    started = time.monotonic()
    try:
        return _pdf_pages_text(data, pages, limits, started + clock.left)
    finally:
        clock.spend(time.monotonic() - started)


def _pdf_pages_text(
    data: bytes, pages: Sequence[int], limits: OcrLimits, deadline: float
) -> tuple[dict[int, str], str | None]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    started = time.monotonic()
    out: dict[int, str] = {}
    error: str | None = None
    try:
        document = pdfium.PdfDocument(data)
    except Exception as exc:  # pypdf read it, pdfium does not
        return {}, f"pages without text not rendered: {type(exc).__name__}: {str(exc)[:200]}"
    try:
        for count, number in enumerate(pages):
            if count >= limits.ocr_pages:
                error = f"only the first {limits.ocr_pages} pages without text were read with OCR"
                break
            page = document[number]
            try:
                width, height = page.get_size()  # points: 1/72 inch
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
                    w, h = obj.get_px_size()
                    if w * h > limits.ocr_max_pixels:
                        raise OcrError(
                            f"page {number + 1} holds an image of {w}x{h} pixels, over the OCR "
                            f"limit of {limits.ocr_max_pixels} pixels (limits.ocr_max_pixels)"
                        )
                budget = min(limits.ocr_max_pixels, WORK_PIXELS)
                scale = min(PDF_DPI / 72, math.sqrt(budget / max(width * height, 1.0)))
                bitmap = page.render(scale=scale, grayscale=True)
                try:
                    image = bitmap.to_pil().convert("L")
                finally:
                    bitmap.close()
                out[number] = recognise(image, deadline)
            except OcrError as exc:
                error = _stopped(exc, limits, number)
                break
            except Exception as exc:  # a page pdfium cannot render
                error = f"page {number + 1} not rendered: {type(exc).__name__}: {str(exc)[:200]}"
                break
            finally:
                page.close()
    finally:
        document.close()
    log.debug("OCR of %d PDF page(s) took %.2f s", len(out), time.monotonic() - started)
    if error is None and not any(out.values()):
        error = "OCR found no readable text"
    return out, error
