"""The dashboard's table bodies and chart bars, rendered in Python.

The template language spends tens of microseconds on each cell (a node per tag, a context lookup
per variable); a county's dashboard has well over a thousand cells and bars, which made the
template most of the page's time once its figures came from the summary tables. These tags
write the same markup, each value shown as ``{{ value }}`` shows it (localised, escaped).
"""

from __future__ import annotations

import decimal
from typing import Any

from django import template
from django.utils import numberformat
from django.utils.formats import get_format, localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


class _Show:
    """``{{ value }}`` in a template: localised (``formats.localize``), then escaped; numbers with the
    active language's separators, looked up once per table rather than once per cell."""

    def __init__(self) -> None:
        lang = get_language()
        self.separators = (
            get_format("DECIMAL_SEPARATOR", lang),
            get_format("NUMBER_GROUPING", lang),
            get_format("THOUSAND_SEPARATOR", lang),
        )
        # Lazily translated labels (a choice's label) repeat down a table: translated once each.
        self.translated: dict[int, str] = {}

    def __call__(self, value: Any) -> str:
        if isinstance(value, str):
            return str(conditional_escape(value))
        if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
            decimal_sep, grouping, thousand_sep = self.separators
            return str(conditional_escape(numberformat.format(value, decimal_sep, None, grouping, thousand_sep)))
        if isinstance(value, Promise):
            shown = self.translated.get(id(value))
            if shown is None:
                shown = self.translated[id(value)] = str(conditional_escape(str(value)))
            return shown
        return str(conditional_escape(localize(value)))


@register.simple_tag
def table_body(table: Any) -> SafeString:
    """The ``<tbody>`` of a report table: the first cell of a row is its header."""
    _show = _Show()
    rows = table.rows
    if not rows:
        empty = _show(_("No data."))
        return mark_safe(  # noqa: S308 (only escaped values and a number)
            f'<tbody><tr><td colspan="{len(table.headers)}">{empty}</td></tr></tbody>'
        )
    parts = ["<tbody>"]
    for row in rows:
        cells = iter(row)
        first = next(cells, None)
        parts.append(f'<tr><th scope="row">{_show(first)}</th>' if row else "<tr>")
        parts.extend(f"<td>{_show(cell)}</td>" for cell in cells)
        parts.append("</tr>")
    parts.append("</tbody>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


@register.simple_tag
def chart_bars(chart: Any) -> SafeString:
    """The labels and bars of a report chart's SVG (``reports.tables.bar_chart``'s geometry)."""
    _show = _Show()
    unit = chart.get("unit") or ""
    parts = []
    for group in chart["groups"]:
        label = Truncator(group["label"]).chars(22)
        parts.append(
            f'<text x="164" y="{_show(group["label_y"])}" text-anchor="end" font-size="11" fill="#1f2328">'
            f"{_show(label)}</text>"
        )
        for bar in group["bars"]:
            fill = "#b4161b" if bar["series"] == 0 else "#0969da"
            suffix = _show(unit) if unit and bar["value"] != "–" else ""
            parts.append(
                f'<rect x="170" y="{_show(bar["y"])}" width="{_show(bar["width"])}" height="12" fill="{fill}"></rect>'
                f'<text x="{_show(bar["text_x"])}" y="{_show(bar["text_y"])}" font-size="10" fill="#59636e">'
                f"{_show(bar['value'])}{suffix}</text>"
            )
    return mark_safe("\n".join(parts))  # noqa: S308 (every value escaped)
