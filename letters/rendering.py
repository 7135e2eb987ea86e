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
    """This thread's URL fetcher, made once: only inline data; a fetch of anything else is fatal
    (no network, no stray files). Building one per letter cost ~1 ms (it sets up urllib openers)."""
    fetcher = getattr(_local, "fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        fetcher = _local.fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return fetcher


# --- fonts: no full copy of each font file per letter ---------------------------------------

_DEFERRED = object()
# WeasyPrint's own reader and the one installed in its place (set by _install_lazy_font_files).
_real_get_hb_object_data: Any = None
_lazy_get_hb_object_data: Any = None


def _install_lazy_font_files() -> None:
    """Stop WeasyPrint copying every embedded font's whole file per document when it keeps only a subset.

    ``weasyprint.pdf.fonts.Font.__init__`` reads the face's entire blob into a Python ``bytes``
    (``get_hb_object_data``), and ``Font.subset`` then replaces it with the HarfBuzz subset made
    from the face itself: the copy is thrown away unread. For the Noto CJK collections (19–27 MB
    each, two or three per letter) that copy was ~18 % of a letter's CPU and 50–80 MB of freshly
    touched memory per letter. Here a ``Font`` records that its file is deferred and reads the blob
    only if something asks for it (a failed subset, a variable or colour font). The PDF is byte for
    byte the same (``tests/letters/test_rendering.py``). Installed once per process; a WeasyPrint
    whose ``Font`` does not look as expected is left alone.
    """
    if getattr(_install_lazy_font_files, "done", False):
        return
    _install_lazy_font_files.done = True  # type: ignore[attr-defined]
    try:
        from weasyprint.pdf import fonts as pdf_fonts
        from weasyprint.pdf import stream as pdf_stream
    except ImportError:  # pragma: no cover - another WeasyPrint layout
        return
    base = getattr(pdf_fonts, "Font", None)
    found = getattr(pdf_fonts, "get_hb_object_data", None)
    if base is None or found is None or getattr(pdf_stream, "Font", None) is not base:
        return  # pragma: no cover - another WeasyPrint layout
    real: Any = found
    flag = threading.local()

    def get_hb_object_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
        if ot_color is None and glyph is None and getattr(flag, "constructing", False):
            return _DEFERRED  # only Font.__init__'s whole-face read, while a Font is being built
        return real(hb_object, ot_color, glyph)

    class LazyFileFont(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any) -> None:
            flag.constructing = True
            try:
                super().__init__(*args)
            finally:
                flag.constructing = False

        @property
        def file_content(self) -> Any:
            content = self.__dict__["_file_content"]
            if content is _DEFERRED:
                content = self.__dict__["_file_content"] = real(self.hb_face)
            return content

        @file_content.setter
        def file_content(self, value: Any) -> None:
            self.__dict__["_file_content"] = value

    global _real_get_hb_object_data, _lazy_get_hb_object_data
    _real_get_hb_object_data, _lazy_get_hb_object_data = real, get_hb_object_data
    pdf_fonts.get_hb_object_data = get_hb_object_data
    pdf_stream.Font = LazyFileFont


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
    _install_lazy_font_files()
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


def qr_svg(text: str) -> str:
    """A QR code for ``text`` as SVG (vector: sharp when printed), one 1-unit module per unit.

    The path draws each horizontal run of dark modules as one rectangle, not each module as one
    (qrcode's ``SvgPathImage``): ~4× fewer path commands for WeasyPrint to parse and draw, and
    none of qrcode's per-module drawing calls. Same modules, same size (1 mm each, a 1-module
    quiet zone; the template scales it).
    """
    import qrcode

    # A fixed mask pattern: any of the eight is a valid code that every reader decodes; choosing
    # the "best" one scores all eight masks in pure Python (half the QR code's cost per letter).
    code = qrcode.QRCode(border=1, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # with the quiet zone
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}mm" height="{size}mm" '
        f'viewBox="0 0 {size} {size}"><path d="{"".join(parts)}"/></svg>'
    )


def qr_svg_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text).encode()).decode()


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
