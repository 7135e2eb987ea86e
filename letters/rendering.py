"""HTML → PDF/A-3b for letters, with WeasyPrint, failing loudly on any missing glyph.

WeasyPrint is silent when a font lacks a character: the PDF shows tofu boxes while
``pdftotext`` still extracts the right text (STACK-NOTES). So every render watches
WeasyPrint's logger and raises :class:`MissingGlyphs` naming the characters. Other rules
from STACK-NOTES: one ``FontConfiguration`` per process (per thread: it is not
thread-safe), ``lang="zh-CN"`` on ``<html>``, and a URL fetcher that fetches nothing from
outside: images arrive inline as ``data:`` URIs, anything else stops the render.
"""

from __future__ import annotations

import base64
import ctypes
import functools
import io
import logging
import shutil
import subprocess
import threading
import urllib.parse
from typing import Any

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from . import kinds

LOGGER_NAME = "weasyprint"
# WeasyPrint reports every rendering step at INFO; a worker's log needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
# Bump when a letter template changes; stored on every letter it renders.
TEMPLATE_VERSION = "2026.4"
PDF_VARIANT = "pdf/a-3b"


class LetterRenderError(Exception):
    """A letter could not be rendered correctly; nothing was issued."""


class MissingFonts(LetterRenderError):
    """No CJK font is installed at all."""


class MissingGlyphs(LetterRenderError):
    """Some characters have no glyph in any installed font (they would print as tofu)."""

    def __init__(self, characters: list[str]) -> None:
        self.characters = characters
        listed = ", ".join(f"{c} (U+{ord(c):04X})" for c in characters)
        super().__init__(
            f"No installed font has a glyph for: {listed}. The letter was not issued. "
            "Install a font that covers these characters (fonts-noto-cjk covers the common rare "
            "name characters), or correct the data."
        )


@functools.cache
def cjk_font_families() -> frozenset[str]:
    """Font families fontconfig offers for Simplified Chinese (cached per process)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    out = subprocess.run([fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def require_cjk_fonts() -> None:
    if not cjk_font_families():
        raise MissingFonts(
            "No Chinese font is installed (`fc-list :lang=zh-cn` is empty), so letters would print as "
            "empty boxes. Install fonts-noto-cjk (make demo / make test install it)."
        )


_local = threading.local()


def font_config() -> Any:
    """This thread's WeasyPrint FontConfiguration, created once (faster, and memory stays flat)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    # Only inline data; a fetch of anything else is fatal (no network, no stray files).
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


class _GlyphWatcher(logging.Handler):
    """Collects WeasyPrint's ``.notdef`` warnings (and errors) of the current thread's render."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.missing: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        if record.msg.startswith(".notdef glyph") and record.args:
            char = record.args[0] if isinstance(record.args, tuple) else ""
            if isinstance(char, str) and char not in self.missing:
                self.missing.append(char)
        elif record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


def pdf_from_html(html: str, *, config: Any = None, variant: str | None = PDF_VARIANT) -> bytes:
    """Render ``html`` to PDF bytes; raise :class:`MissingGlyphs` if any character has no glyph."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    require_cjk_fonts()
    watcher = _GlyphWatcher()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(watcher)
    try:
        document = HTML(string=html, url_fetcher=_fetcher())
        options: dict[str, Any] = {"font_config": config or font_config()}
        if variant:
            options["pdf_variant"] = variant
        pdf = document.write_pdf(**options)
    except FatalURLFetchingError as exc:  # a BaseException: turn it into an ordinary failure
        raise LetterRenderError(f"The letter refers to a resource that is not inline: {exc}") from None
    finally:
        logger.removeHandler(watcher)
    if watcher.missing:
        raise MissingGlyphs(watcher.missing)
    if watcher.errors:
        raise LetterRenderError("; ".join(watcher.errors))
    return bytes(pdf)


# --- images ---------------------------------------------------------------------------------


def qr_svg_data_uri(text: str) -> str:
    """A QR code for ``text`` as an inline SVG (vector: sharp when printed)."""
    import qrcode
    import qrcode.image.svg

    # A fixed mask pattern: any of the eight is a valid code that every reader decodes; choosing
    # the "best" one scores all eight masks in pure Python (half the QR code's cost per letter).
    code = qrcode.QRCode(border=1, box_size=10, image_factory=qrcode.image.svg.SvgPathImage, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


# Used when a bureau has not uploaded its seal yet: a plain red ring with a star.
_PLACEHOLDER_SEAL = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">'
    '<circle cx="100" cy="100" r="92" fill="none" stroke="#d40000" stroke-width="7"/>'
    '<polygon fill="#d40000" points="100,52 111,86 147,86 118,107 129,141 100,120 71,141 82,107 53,86 89,86"/>'
    "</svg>"
)


def seal_data_uri(storage_name: str) -> str:
    if storage_name:
        with default_storage.open(storage_name, "rb") as handle:
            return "data:image/png;base64," + base64.b64encode(handle.read()).decode()
    return "data:image/svg+xml;base64," + base64.b64encode(_PLACEHOLDER_SEAL.encode()).decode()


# --- letters --------------------------------------------------------------------------------


def letter_html(snapshot: dict[str, Any]) -> str:
    """The letter's HTML from its data snapshot alone (so a letter renders the same at any time)."""
    context = {
        "d": snapshot,
        "qr": qr_svg_data_uri(snapshot["verify_url"]),
        "seal": seal_data_uri(snapshot["issuer"].get("seal", "")),
    }
    with translation.override("zh-hans"):
        return render_to_string(kinds.get(snapshot["kind"]).template, context)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` (None elsewhere)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Give the C heap's free pages back after a letter. Pango, HarfBuzz and cairo allocate and
    free many small blocks per layout; glibc keeps the freed ones in fragmented arenas, so a
    worker's resident memory crept up letter after letter (≈1.5 MiB each) although nothing
    leaked. A trim costs 1–4 ms of CPU (≈1 % of a letter); trimming only every eighth letter
    left most of the growth."""
    # urllib keeps its last 128 URL splits: WeasyPrint splits every image's data: URI, and each
    # letter's QR code is a different one (≈11 KiB kept per letter until 128 letters).
    split_cache = getattr(urllib.parse.urlsplit, "cache_clear", None)
    if split_cache is not None:
        split_cache()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def letter_pdf(snapshot: dict[str, Any]) -> bytes:
    try:
        return pdf_from_html(letter_html(snapshot))
    finally:
        release_memory()
