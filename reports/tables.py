"""Figures → labelled tables and bar charts (for pages, the PDF and CSV/XLSX downloads).

A :class:`Table` is what a person reads and downloads; its ``chart`` is drawn from the same
rows as server-side SVG (``reports/_chart.html``), so every chart has its table. The figures
dicts have the shape of :mod:`reports.snapshots` (live dashboards add ``throughput`` and
``children``). Loops here run over a handful of aggregate rows, never over data rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from benefits.confirmation import rule_label
from benefits.models import ConfirmationMethod
from cases.models import Status
from crosscheck.models import DiscrepancyStatus
from crosscheck.models import Kind as ProblemKind
from petitions.models import Channel as PetitionChannel
from petitions.models import Field as PetitionField
from petitions.models import Intensity, Opinion
from subjects.models import Category, SubjectStatus

from . import figures
from .snapshots import percent

CHART_WIDTH = 360  # px for the longest bar

TABLE_KEYS = ("categories", "collection", "phase2", "children", "problems", "backlog", "sla", "throughput", "period")
TABLE_TITLES = {
    "categories": gettext_lazy("Subjects by category and status"),
    "collection": gettext_lazy("Collection progress (phase 1)"),
    "children": gettext_lazy("Collection progress by division"),
    "phase2": gettext_lazy("Cross-checking progress (phase 2)"),
    "problems": gettext_lazy("Problem and missing data"),
    "backlog": gettext_lazy("Case backlog by stage and age"),
    "sla": gettext_lazy("SLA compliance"),
    "throughput": gettext_lazy("Weekly throughput"),
    "period": gettext_lazy("Cases in the period"),
    "petitions": gettext_lazy("Petitions: registration, acceptance, decisions, timeliness and satisfaction"),
    "petition_fields": gettext_lazy("Petitions by field concerned"),
    "petition_respondents": gettext_lazy("Bodies complained about most"),
    "petition_work": gettext_lazy("Forwarding, supervision (督办) and suggestions (Art. 41)"),
    "confirmation": gettext_lazy("Annual confirmation of benefits (年度确认): the campaigns of the period's year"),
}
# The bodies complained about most: how many the report lists.
TOP_RESPONDENTS = 10


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def bar_chart(series: list[str], rows: list[tuple[str, list[float | int | None]]], unit: str = "") -> dict[str, Any]:
    """Bar geometry for ``reports/_chart.html``: one group of bars per row, one bar per series."""
    peak = max((v or 0 for _label, values in rows for v in values), default=0) or 1
    per_series = 14
    group = per_series * len(series) + 8
    bars = []
    for i, (label, values) in enumerate(rows):
        y = i * group
        bars.append(
            {
                "label": label,
                "label_y": y + group / 2 + 4,
                "bars": [
                    {
                        "value": value if value is not None else "–",
                        "width": round(CHART_WIDTH * (value or 0) / peak, 1),
                        "y": y + 4 + s * per_series,
                        "text_y": y + 4 + s * per_series + 11,
                        "series": s,
                    }
                    for s, value in enumerate(values)
                ],
            }
        )
    for group_bars in bars:
        for bar in group_bars["bars"]:  # type: ignore[attr-defined]
            bar["text_x"] = 170 + bar["width"] + 4
    return {"series": series, "groups": bars, "height": max(group * len(rows), 20), "unit": unit}


def _pct(part: int, whole: int) -> str:
    value = percent(part, whole)
    return "–" if value is None else f"{value}%"


def categories_table(subjects: dict[str, Any]) -> Table:
    statuses = list(SubjectStatus)
    matrix = subjects.get("matrix", {})
    rows: list[list[Any]] = []
    for category in Category:
        counts = matrix.get(category.value, {})
        total = subjects.get("by_category", {}).get(category.value, 0)
        rows.append([str(category.label)] + [counts.get(s.value, 0) for s in statuses] + [total])
    totals = [subjects.get("by_status", {}).get(s.value, 0) for s in statuses]
    rows.append([_("Total"), *totals, subjects.get("total", 0)])
    by_category = subjects.get("by_category", {})
    chart = bar_chart([_("Subjects")], [(str(c.label), [by_category.get(c.value, 0)]) for c in Category])
    return Table(
        "categories",
        str(TABLE_TITLES["categories"]),
        [_("Category")] + [str(s.label) for s in statuses] + [_("Total")],
        rows,
        chart,
    )


def collection_table(collection: dict[str, int]) -> Table:
    on_file = collection.get("on_file", 0)
    measures = [
        ("on_file", _("Subjects on file")),
        ("complete", _("Basic information complete")),
        ("confirmed", _("Confirmed by signature")),
        ("done", _("Complete and confirmed (phase 1 done)")),
    ]
    rows = [[label, collection.get(key, 0), _pct(collection.get(key, 0), on_file)] for key, label in measures]
    chart = bar_chart(
        [_("Share (%)")],
        [(label, [percent(collection.get(key, 0), on_file)]) for key, label in measures[1:]],
        unit="%",
    )
    return Table(
        "collection",
        str(TABLE_TITLES["collection"]),
        [_("Measure"), _("Subjects"), _("Share")],
        rows,
        chart,
        notes=[
            _(
                "Basic information is complete when ethnicity, political affiliation and household registration "
                "address are filled in, and the enlistment date for people who served."
            )
        ],
    )


def children_table(children: dict[str, dict[str, int]], names: dict[str, str]) -> Table:
    rows = []
    bars = []
    for code in sorted(children):
        c = children[code]
        name = names.get(code, code)
        rows.append(
            [
                code,
                name,
                c["on_file"],
                _pct(c["complete"], c["on_file"]),
                _pct(c["confirmed"], c["on_file"]),
                _pct(c["done"], c["on_file"]),
            ]
        )
        bars.append((name, [percent(c["done"], c["on_file"])]))
    return Table(
        "children",
        str(TABLE_TITLES["children"]),
        [_("Code"), _("Division"), _("Subjects on file"), _("Complete"), _("Confirmed"), _("Phase 1 done")],
        rows,
        bar_chart([_("Phase 1 done (%)")], bars, unit="%"),
    )


def stage_label(stage: str) -> str:
    try:
        return str(Status(stage).label)
    except ValueError:
        return stage


def backlog_table(by_age: dict[str, dict[str, int]]) -> Table:
    rows: list[list[Any]] = []
    bars: list[tuple[str, list[float | int | None]]] = []
    for stage in figures.BACKLOG_STATUSES:
        bands = by_age.get(stage.value, {})
        total = sum(bands.values())
        rows.append([str(stage.label)] + [bands.get(k, 0) for k in figures.AGE_BAND_KEYS] + [total])
        bars.append((str(stage.label), [total]))
    chart = bar_chart([_("Open cases")], bars)
    return Table(
        "backlog",
        str(TABLE_TITLES["backlog"]),
        [_("Stage")] + [_("%(band)s days") % {"band": k} for k in figures.AGE_BAND_KEYS] + [_("Total")],
        rows,
        chart,
    )


def sla_table(sla: dict[str, dict[str, int]]) -> Table:
    rows = []
    bars = []
    for stage in figures.TIMED_STATUSES:
        s = sla.get(stage.value, {"timed": 0, "overdue": 0})
        timed, overdue = s.get("timed", 0), s.get("overdue", 0)
        rows.append([str(stage.label), timed, overdue, _pct(timed - overdue, timed)])
        bars.append((str(stage.label), [percent(timed - overdue, timed)]))
    return Table(
        "sla",
        str(TABLE_TITLES["sla"]),
        [_("Stage"), _("Cases with a running clock"), _("Overdue"), _("Within the time limit")],
        rows,
        bar_chart([_("Within the time limit (%)")], bars, unit="%"),
    )


def throughput_table(weeks: list[dict[str, Any]]) -> Table:
    rows = [[w["week"], w["filed"], w["decided"]] for w in weeks]
    return Table(
        "throughput",
        str(TABLE_TITLES["throughput"]),
        [_("Week starting"), pgettext("count", "Filed"), _("Decided")],
        rows,
        bar_chart(
            [pgettext("count", "Filed"), _("Decided")],
            [(str(w["week"])[5:], [w["filed"], w["decided"]]) for w in weeks],
        ),
    )


def period_table(period_cases: dict[str, int]) -> Table:
    rows = [[_("Cases filed"), period_cases.get("filed", 0)], [_("Cases decided"), period_cases.get("decided", 0)]]
    return Table("period", str(TABLE_TITLES["period"]), [_("Measure"), _("Cases")], rows)


def phase2_table(collection: dict[str, int], problems: dict[str, Any]) -> Table:
    on_file = collection.get("on_file", 0)
    live = problems.get("subjects_live", 0)
    corrected = problems.get("subjects_corrected", 0)
    measures = [
        (_("Subjects on file"), on_file),
        (_("With open problem or missing data"), live),
        (_("All problems corrected and confirmed"), corrected),
        (_("Without open problems"), max(on_file - live, 0)),
    ]
    rows = [[label, n, _pct(n, on_file)] for label, n in measures]
    chart = bar_chart([_("Share (%)")], [(label, [percent(n, on_file)]) for label, n in measures[1:]], unit="%")
    return Table("phase2", str(TABLE_TITLES["phase2"]), [_("Measure"), _("Subjects"), _("Share")], rows, chart)


def problems_table(problems: dict[str, Any]) -> Table:
    statuses = list(DiscrepancyStatus)
    by_kind = problems.get("by_kind", {})
    rows: list[list[Any]] = []
    bars: list[tuple[str, list[float | int | None]]] = []
    for kind in ProblemKind:
        counts = by_kind.get(kind.value, {})
        rows.append([str(kind.label)] + [counts.get(s.value, 0) for s in statuses] + [sum(counts.values())])
        live = sum(counts.get(s, 0) for s in ("open", "sent", "corrected"))
        bars.append((str(kind.label), [live]))
    return Table(
        "problems",
        str(TABLE_TITLES["problems"]),
        [_("Type")] + [str(s.label) for s in statuses] + [_("Total")],
        rows,
        bar_chart([_("Not yet confirmed")], bars),
    )


def petitions_table(p: dict[str, Any]) -> Table:
    registered = p.get("registered", {})
    outcomes = p.get("outcomes", {})
    opinions = p.get("opinions", {})
    on_time = p.get("on_time", {})
    ratings = p.get("ratings", {})
    rated = sum(int(ratings.get(str(score), 0)) for score in range(1, 6))
    satisfied = int(ratings.get("4", 0)) + int(ratings.get("5", 0))
    rows: list[list[Any]] = [[_("Matters registered"), registered.get("total", 0)]]
    rows += [["　" + str(c.label), registered.get(c.value, 0)] for c in PetitionChannel]
    rows += [
        [_("Accepted (受理)"), outcomes.get("accepted", 0)],
        [_("Not accepted (不予受理)"), outcomes.get("not_accepted", 0)],
        [_("Decided (处理意见书 issued)"), outcomes.get("decided", 0)],
    ]
    rows += [["　" + str(o.label), opinions.get(o.value, 0)] for o in Opinion]
    decided, timely = on_time.get("decided", 0), on_time.get("on_time", 0)
    rows += [
        [_("Decided within the time limit"), timely],
        [_("On-time rate"), _pct(timely, decided)],
        [_("Ratings received (好差评)"), rated],
        [_("Satisfied (4 or 5 of 5)"), satisfied],
        [_("Satisfaction rate"), _pct(satisfied, rated)],
    ]
    return Table("petitions", str(TABLE_TITLES["petitions"]), [_("Measure"), _("Count")], rows)


def petition_fields_table(p: dict[str, Any]) -> Table:
    fields = p.get("fields", {})
    total = sum(int(fields.get(f.value, 0)) for f in PetitionField)
    rows = [[str(f.label), fields.get(f.value, 0), _pct(int(fields.get(f.value, 0)), total)] for f in PetitionField]
    chart = bar_chart([_("Matters")], [(str(f.label), [fields.get(f.value, 0)]) for f in PetitionField])
    return Table(
        "petition_fields",
        str(TABLE_TITLES["petition_fields"]),
        [_("Field concerned"), _("Matters"), _("Share")],
        rows,
        chart,
    )


def petition_respondents_table(p: dict[str, Any]) -> Table:
    named = sorted(p.get("respondents", {}).items(), key=lambda item: (-int(item[1]), item[0]))[:TOP_RESPONDENTS]
    rows: list[list[Any]] = [[i, name, n] for i, (name, n) in enumerate(named, start=1)]
    table = Table(
        "petition_respondents",
        str(TABLE_TITLES["petition_respondents"]),
        [_("Rank"), _("Body complained about"), _("Matters")],
        rows,
        bar_chart([_("Matters")], [(name, [n]) for name, n in named]) if named else None,
    )
    if not named:
        table.notes.append(_("No matter of the period names a body complained about."))
    return table


def petition_work_table(p: dict[str, Any]) -> Table:
    supervision = p.get("supervision", {})
    suggestions = p.get("suggestions", {})
    routing = p.get("routing", {})
    rows: list[list[Any]] = [
        [_("Matters forwarded (转送、交办)"), routing.get("forwarded", 0)],
        [_("Of them designated (指定办理)"), routing.get("designated", 0)],
        [_("Bounces counted against bodies"), routing.get("bounced", 0)],
        [_("Supervision orders issued (督办)"), supervision.get("issued", 0)],
    ]
    rows += [["　" + str(i.label), supervision.get(i.value, 0)] for i in Intensity]
    rows += [
        [_("Urged (催办)"), supervision.get("urged", 0)],
        [_("Circulated (通报)"), supervision.get("circulated", 0)],
        [_("Completion reports filed"), supervision.get("reported", 0)],
        [_("Suggestions made"), suggestions.get("made", 0)],
        [_("Suggestions answered"), suggestions.get("answered", 0)],
        [_("Suggestions adopted"), suggestions.get("adopted", 0)],
        [_("Adoption rate (of those answered)"), _pct(suggestions.get("adopted", 0), suggestions.get("answered", 0))],
    ]
    return Table("petition_work", str(TABLE_TITLES["petition_work"]), [_("Measure"), _("Count")], rows)


def petition_tables(p: dict[str, Any]) -> list[Table]:
    """The annual petition report's tables (Art. 41) from a snapshot's ``"petitions"`` figures."""
    return [petitions_table(p), petition_fields_table(p), petition_respondents_table(p), petition_work_table(p)]


def confirmation_table(c: dict[str, Any]) -> Table:
    """The confirmation campaigns' progress from a snapshot's ``"confirmation"`` figures."""
    items, cancelled = c.get("items", 0), c.get("cancelled", 0)
    due = items - cancelled
    by_method = c.get("by_method", {})
    by_rule = c.get("silent_by_rule", {})
    spot = c.get("spot_check", {})
    silent = by_method.get(ConfirmationMethod.DATA_MATCH, 0)
    rows: list[list[Any]] = [
        [_("People to confirm (items)"), items, ""],
        [_("No confirmation due (cancelled)"), cancelled, ""],
        [_("Confirmed"), c.get("confirmed", 0), _pct(c.get("confirmed", 0), due)],
        ["　" + _("Confirmed silently by the department data"), silent, _pct(silent, due)],
    ]
    rows += [["　　" + rule_label(code), n, _pct(n, due)] for code, n in sorted(by_rule.items())]
    rows += [
        ["　" + str(m.label), by_method.get(m.value, 0), _pct(by_method.get(m.value, 0), due)]
        for m in ConfirmationMethod
        if m != ConfirmationMethod.DATA_MATCH
    ]
    rows += [
        [_("Still open"), c.get("open", 0), _pct(c.get("open", 0), due)],
        [_("Overdue: benefit suspended"), c.get("overdue", 0), _pct(c.get("overdue", 0), due)],
        [_("Suspended after the grace period (all)"), c.get("suspended", 0), ""],
        [_("Of them confirmed later and resumed with back-pay"), c.get("resumed", 0), ""],
        [_("Death or struck-off registration on record"), c.get("death_record", 0), ""],
        [_("Drawn for a spot check (抽查)"), spot.get("drawn", 0), ""],
        ["　" + _("Upheld"), spot.get("upheld", 0), _pct(spot.get("upheld", 0), spot.get("drawn", 0))],
        ["　" + _("Not upheld"), spot.get("rejected", 0), _pct(spot.get("rejected", 0), spot.get("drawn", 0))],
        ["　" + _("Not yet checked"), spot.get("pending", 0), _pct(spot.get("pending", 0), spot.get("drawn", 0))],
    ]
    bars = [(_("Confirmed silently by the department data"), [silent])]
    bars += [
        (str(m.label), [by_method.get(m.value, 0)]) for m in ConfirmationMethod if m != ConfirmationMethod.DATA_MATCH
    ]
    bars += [(_("Still open"), [c.get("open", 0)]), (_("Overdue: benefit suspended"), [c.get("overdue", 0)])]
    table = Table(
        "confirmation",
        str(TABLE_TITLES["confirmation"]),
        [_("Measure"), _("People"), _("Share")],
        rows,
        bar_chart([_("People")], bars) if items else None,
    )
    if not items:
        table.notes.append(_("No confirmation campaign of the period's year covers this division."))
    return table


def snapshot_tables(snapshot: dict[str, Any]) -> list[Table]:
    """The tables of a frozen report (county or province).

    A report frozen before petitions (or the confirmation campaigns) were counted has no such tables.
    """
    cases = snapshot.get("cases", {})
    petitions = petition_tables(snapshot["petitions"]) if "petitions" in snapshot else []
    campaigns = [confirmation_table(snapshot["confirmation"])] if "confirmation" in snapshot else []
    return [
        categories_table(snapshot.get("subjects", {})),
        collection_table(snapshot.get("collection", {})),
        phase2_table(snapshot.get("collection", {}), snapshot.get("problems", {})),
        problems_table(snapshot.get("problems", {})),
        backlog_table(cases.get("backlog_by_age", {})),
        sla_table(cases.get("sla", {})),
        period_table(cases.get("period", {})),
        *petitions,
        *campaigns,
    ]
