"""Writes to the policy base: loading a file of article versions (``manage.py load_policy_articles``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Actor
from audit.log import record
from core.readers import UnreadableFile, open_table

from .models import Kind, PolicyArticle, PolicyDocument
from .numbering import article_position

COLUMNS = [
    "document_title",
    "document_number",
    "issuer",
    "kind",
    "article",
    "title",
    "text",
    "is_summary",
    "summary_source",
    "effective_on",
    "repealed_on",
]
YES = {"1", "true", "yes", "是", "摘要"}
NO = {"", "0", "false", "no", "否"}


@dataclass
class LoadResult:
    created: int = 0  # articles seen for the first time
    new_versions: int = 0  # a changed text (or dates) beside the old version
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
        }


class RowError(Exception):
    pass


def _date(value: str, label: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RowError(
            _("%(field)s is not a date (YYYY-MM-DD): %(value)s") % {"field": label, "value": value}
        ) from None


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    for name, label in (("document_title", _("document title")), ("article", _("article number")), ("text", _("text"))):
        if not values[name]:
            raise RowError(_("%(field)s is missing") % {"field": label})
    if values["kind"] not in Kind.values:
        raise RowError(_("unknown kind of document: %(value)s") % {"value": values["kind"]})
    flag = values["is_summary"].lower()
    if flag not in YES | NO:
        raise RowError(_("is_summary must be 是 or 否: %(value)s") % {"value": values["is_summary"]})
    is_summary = flag in YES
    if is_summary and not values["summary_source"]:
        raise RowError(_("a summary needs its source"))
    if not values["effective_on"]:
        raise RowError(_("%(field)s is missing") % {"field": _("effective date")})
    effective_on = _date(values["effective_on"], _("effective date"))
    repealed_on = _date(values["repealed_on"], _("repeal date")) if values["repealed_on"] else None
    if repealed_on is not None and repealed_on < effective_on:
        raise RowError(_("the repeal date is before the effective date"))
    for name, limit in (("document_title", 200), ("document_number", 100), ("issuer", 200), ("title", 200)):
        if len(values[name]) > limit:
            raise RowError(_("%(field)s is longer than %(limit)d characters") % {"field": name, "limit": limit})
    if len(values["article"]) > 40 or len(values["summary_source"]) > 200:
        raise RowError(_("the article number or the source is too long"))
    return {
        **values,
        "is_summary": is_summary,
        "summary_source": values["summary_source"] if is_summary else "",
        "effective_on": effective_on,
        "repealed_on": repealed_on,
    }


def _load_row(values: dict[str, Any], result: LoadResult) -> None:
    document, _created = PolicyDocument.objects.select_for_update().get_or_create(
        title=values["document_title"],
        defaults={"number": values["document_number"], "issuer": values["issuer"], "kind": values["kind"]},
    )
    if document.kind != values["kind"] or (values["document_number"] and document.number != values["document_number"]):
        raise RowError(_("the document number or kind differs from the document already loaded"))
    latest = document.articles.filter(number=values["article"]).order_by("-version").first()
    version_fields = {
        "title": values["title"],
        "text": values["text"],
        "is_summary": values["is_summary"],
        "summary_source": values["summary_source"],
        "effective_on": values["effective_on"],
        "repealed_on": values["repealed_on"],
    }
    if latest is not None and all(getattr(latest, name) == value for name, value in version_fields.items()):
        result.unchanged += 1
        return
    PolicyArticle.objects.create(
        document=document,
        number=values["article"],
        position=article_position(values["article"]),
        version=1 if latest is None else latest.version + 1,
        **version_fields,
    )
    if latest is None:
        result.created += 1
    else:
        result.new_versions += 1


def read_rows(path: Path) -> list[tuple[int, dict[str, Any] | None]]:
    """The rows of a CSV (UTF-8 or GB18030) or XLSX file as dictionaries keyed by the header, each
    with its line number (``core.readers``); ``None`` for a row that cannot be read. Blank rows are
    skipped."""
    table = open_table(path, path.name)
    rows: list[tuple[int, dict[str, Any] | None]] = []
    for line, cells in table.rows:
        if cells is not None and not any(cell.strip() for cell in cells):
            continue
        if cells is not None and len(cells) > len(table.header):
            cells = None if any(cell.strip() for cell in cells[len(table.header) :]) else cells[: len(table.header)]
        rows.append((line, None if cells is None else dict(zip(table.header, cells, strict=False))))
    return rows


def do_load_policy_articles(
    path: Path, *, actor: Actor, progress: Callable[[int, int], None] | None = None
) -> LoadResult:
    """Load a CSV file of article versions in one transaction: a new article is version 1, a changed
    one gets a new version beside the old, an unchanged one is left alone (a rerun changes nothing).
    A bad row is reported with its line number and reason and skipped; the good rows are kept.
    """
    try:
        rows = read_rows(path)
    except (OSError, UnreadableFile) as exc:
        return LoadResult(errors=[(0, _("the file cannot be read: %(error)s") % {"error": exc})])
    result = LoadResult()
    with transaction.atomic():
        for index, (line, row) in enumerate(rows, start=1):
            try:
                if row is None:
                    raise RowError(_("the row cannot be read, or has more columns than the header"))
                with transaction.atomic():  # a savepoint: a bad row leaves nothing behind
                    _load_row(_clean(row), result)
            except RowError as exc:
                result.errors.append((line, str(exc)))
            if progress is not None:
                progress(index, len(rows))
        record(
            event_type="policy.articles_loaded",
            actor=actor,
            object_type="policies.policyarticle",
            data={"file": path.name, **result.counts()},
        )
    return result


# Citing the policy base (the interface for the higher apps; see policies.citations).
from .citations import (  # noqa: E402
    CitationRefused,
    citation_text,
    do_freeze_citations,
    refusals_audited,
    validate_citations,
)

__all__ = [
    "CitationRefused",
    "LoadResult",
    "citation_text",
    "do_freeze_citations",
    "do_load_policy_articles",
    "refusals_audited",
    "validate_citations",
]
