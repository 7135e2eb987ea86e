"""Living-evidence rules over the department feeds, for the annual confirmation (年度确认).

Registered into ``benefits.confirmation.EVIDENCE_RULES`` from ``CrosscheckConfig.ready()``: the
benefits app owns the campaign, this app owns the feeds (layouts, batches, the blind-index join).
Each rule is one ``SELECT subject_id, batch_id, evidence_date`` over the current batches
(``checks.current_batches``: the latest of a snapshot layout, every batch of a cumulative one).

Evidence rules (a person is confirmed by the first that finds them, in this order):

- ``medical_settlement``: a medical bill settled (最近结算日期) within the evidence period;
- ``contribution``: a social-security contribution paid (最近缴费月份) within the evidence period;
- ``benefit_receipt``: receiving 低保 or a pension in the latest civil-affairs or HR and social
  security extract loaded within the evidence period (another payer confirms them monthly);
- ``hukou``: in the latest household-registration extract, loaded within the evidence period,
  with 户口状态 正常 (or no status column).

Veto rules (never confirmed silently; the item is marked "death on record"):

- ``death_record``: in any loaded death extract;
- ``hukou_struck_off``: 户口状态 注销 (or 迁出, 死亡) in the latest household-registration extract.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.confirmation import EvidenceRule, date_param, date_sql, register_evidence_rule
from subjects.models import Subject

from .checks import current_batches
from .layouts import BY_NAME
from .models import DatasetBatch, DatasetRow

R = DatasetRow._meta.db_table
S = Subject._meta.db_table


def _batches(layout_name: str, since: dt.date | None = None) -> list[DatasetBatch]:
    batches = current_batches(BY_NAME[layout_name])
    if since is not None:
        batches = [b for b in batches if timezone.localtime(b.created_at).date() >= since]
    return batches


def _loaded_on(batch: DatasetBatch) -> dt.date:
    return timezone.localtime(batch.created_at).date()


def _rows(batch: DatasetBatch, where: str, params: list[Any]) -> tuple[str, list[Any]]:
    """People of one batch matching ``where``, evidence dated the day the batch was loaded."""
    return (
        f"SELECT s.id AS subject_id, r.batch_id AS batch_id, {date_sql()} AS evidence_date "  # noqa: S608
        f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac WHERE r.batch_id = %s AND {where}",
        [date_param(_loaded_on(batch)), batch.pk, *params],
    )


def _union(parts: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]] | None:
    if not parts:
        return None
    return " UNION ALL ".join(sql for sql, _p in parts), [p for _sql, params in parts for p in params]


def hukou(since: dt.date) -> tuple[str, list[Any]] | None:
    return _union(
        [_rows(b, "(r.flag IS NULL OR r.flag = %s)", [True]) for b in _batches("public_security.hukou", since)]
    )


def benefit_receipt(since: dt.date) -> tuple[str, list[Any]] | None:
    parts = []
    for name in ("civil_affairs.assistance", "hr_social_security.insurance"):
        parts += [_rows(b, "r.receiving = %s", [True]) for b in _batches(name, since)]
    return _union(parts)


def _dated(layout_name: str, since: dt.date) -> tuple[str, list[Any]] | None:
    parts = [
        (
            f"SELECT s.id AS subject_id, r.batch_id AS batch_id, r.event_date AS evidence_date "  # noqa: S608
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac WHERE r.batch_id = %s AND r.event_date >= %s",
            [b.pk, date_param(since)],
        )
        for b in _batches(layout_name)
    ]
    return _union(parts)


def medical_settlement(since: dt.date) -> tuple[str, list[Any]] | None:
    return _dated("medical_insurance.enrolment", since)


def contribution(since: dt.date) -> tuple[str, list[Any]] | None:
    return _dated("hr_social_security.insurance", since)


def death_record(since: dt.date) -> tuple[str, list[Any]] | None:
    parts = [
        (
            f"SELECT s.id AS subject_id, r.batch_id AS batch_id, r.event_date AS evidence_date "  # noqa: S608
            f"FROM {R} r JOIN {S} s ON s.id_number_hmac = r.id_hmac WHERE r.batch_id = %s",
            [b.pk],
        )
        for b in _batches("public_security.deaths")
    ]
    return _union(parts)


def hukou_struck_off(since: dt.date) -> tuple[str, list[Any]] | None:
    return _union([_rows(b, "r.flag = %s", [False]) for b in _batches("public_security.hukou")])


def register() -> None:
    register_evidence_rule(
        EvidenceRule("death_record", _("Death on record (public security)"), death_record, veto=True)
    )
    register_evidence_rule(
        EvidenceRule("hukou_struck_off", _("Household registration struck off"), hukou_struck_off, veto=True)
    )
    # Dated evidence first (the strongest), then another payer's receipt, then the register.
    register_evidence_rule(
        EvidenceRule("medical_settlement", _("Recent medical insurance settlement"), medical_settlement)
    )
    register_evidence_rule(EvidenceRule("contribution", _("Recent social security contribution"), contribution))
    register_evidence_rule(
        EvidenceRule("benefit_receipt", _("Receiving a benefit from another department"), benefit_receipt)
    )
    register_evidence_rule(EvidenceRule("hukou", _("Household registration in force"), hukou))
