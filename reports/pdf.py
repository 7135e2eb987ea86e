"""The one place that turns a report into a PDF (WeasyPrint), in the official layout.

Rules from STACK-NOTES: ``lang="zh-CN"`` on ``<html>`` (or generic sans-serif picks the
Japanese Noto variant), one ``FontConfiguration`` per thread, a URL fetcher that fetches
nothing, and a missing glyph is an error rather than silent tofu boxes.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from .models import Report


class ReportRenderError(Exception):
    """The PDF could not be rendered correctly; nothing was submitted."""


class _GlyphWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "glyph" in message.lower() or ".notdef" in message:
            self.problems.append(message)


_local = threading.local()


def _font_config() -> Any:
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ReportRenderError(f"The report layout tried to load {url!r}; reports load nothing from outside.")


def render_report_pdf(report: Report, context: dict[str, Any]) -> bytes:
    """The report as PDF bytes (always in Chinese: the official language of the documents)."""
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string("reports/pdf/report.html", {"report": report, **context})
    watch = _GlyphWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    try:
        pdf = HTML(string=html, url_fetcher=_no_fetch, base_url=".").write_pdf(font_config=_font_config())
    finally:
        logger.removeHandler(watch)
    if watch.problems:
        raise ReportRenderError("; ".join(watch.problems[:5]))
    if not pdf:
        raise ReportRenderError("WeasyPrint produced no output.")
    return bytes(pdf)
