"""What a letter says: the issuing authority for a division, and the data snapshot of a case.

The snapshot is taken once, when the letter is requested, and is all the renderer sees: a
letter can be rendered (and re-checked) later without reading the case again, and the row
keeps exactly the data the PDF was made from. It holds the masked ID number only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jurisdictions.models import Division, ancestor_codes

from .models import TITLES, Kind, Letterhead

DEFAULT_CORRECTION_DAYS = 15


def chinese_date(day: dt.date) -> str:
    """GB/T 9704 writes dates with Arabic numerals: 2026年1月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def mask_name(name: str) -> str:
    """The family name only (or one star for a one-character name): 张*, 欧阳**."""
    chars = list(name.strip())
    if len(chars) <= 1:
        return "*"
    return chars[0] + "*" * (len(chars) - 1)


def document_number(prefix: str, year: int, sequence: int) -> str:
    """发文字号 in the GB/T 9704 form: 机关代字〔年份〕序号号 (no leading zeros)."""
    return f"{prefix}〔{year}〕{sequence}号"


def division_full_name(code: str) -> str:
    """ "广州市天河区" for 440106: the city and county names (the province is implied)."""
    codes = [c for c in ancestor_codes(code) if len(c) in (4, 6)]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    # Municipal districts of a directly governed city repeat the city (北京市 › 市辖区): skip those.
    parts = [names[c] for c in codes if c in names and names[c] not in ("市辖区", "县", "省直辖县级行政区划")]
    return "".join(parts)


def letterhead_for(division_code: str) -> dict[str, Any]:
    """The issuing authority of letters in ``division_code``: the nearest configured letterhead, else a default."""
    candidates = [c for c in ancestor_codes(division_code) if c != "CN"]
    configured = {lh.division_id: lh for lh in Letterhead.objects.filter(division_id__in=candidates)}
    for code in reversed(candidates):
        head = configured.get(code)
        if head is not None:
            return {
                "division": head.division_id,
                "bureau_name": head.bureau_name,
                "header_text": head.header_text or head.bureau_name,
                "number_prefix": head.number_prefix,
                "seal": head.seal.name if head.seal else "",
                "address": head.address,
                "postcode": head.postcode,
                "phone": head.phone,
                "contact_person": head.contact_person,
                "cc": head.cc,
                "reconsideration_body": head.reconsideration_body,
                "reconsideration_days": head.reconsideration_days,
                "court": head.court,
                "lawsuit_months": head.lawsuit_months,
            }
    county = division_code[:6]
    place = division_full_name(county) or county
    county_name = Division.objects.filter(code=county).values_list("name", flat=True).first() or county
    city_code = division_code[:4]
    city_name = Division.objects.filter(code=city_code).values_list("name", flat=True).first() or ""
    return {
        "division": "",
        "bureau_name": f"{place}退役军人事务局",
        "header_text": f"{place}退役军人事务局",
        "number_prefix": f"{county_name[:2]}退役军人",
        "seal": "",
        "address": "",
        "postcode": "",
        "phone": "",
        "contact_person": "",
        "cc": f"{city_name}退役军人事务局" if city_name and city_name != "市辖区" else "",
        # Since the 2023 revision of the Administrative Reconsideration Law, the county government
        # reconsiders the decisions of its departments.
        "reconsideration_body": f"{place}人民政府",
        "reconsideration_days": 60,
        "court": "有管辖权的人民法院",
        "lawsuit_months": 6,
    }


def verify_url(code: str) -> str:
    base = settings.LAUREL_LETTER_VERIFY_BASE_URL
    if not base:
        raise ImproperlyConfigured(
            "LAUREL_LETTER_VERIFY_BASE_URL is not set: letters print it in their QR code "
            "(e.g. https://laurel.example.gov.cn)."
        )
    return f"{base}/letters/verify/{code.replace('-', '')}/"


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _require_outcome(case: Any, kind: str) -> None:
    from cases.models import Outcome

    wanted = {
        Kind.APPROVAL: (Outcome.APPROVED, Outcome.PARTLY_APPROVED),
        Kind.REJECTION: (Outcome.REJECTED,),
    }.get(kind)  # type: ignore[call-overload]
    if wanted and case.outcome not in wanted:
        raise ValidationError({"kind": _("This case has no matching decision yet, so this letter cannot be issued.")})


def _decision(case: Any, kind: str) -> dict[str, Any]:
    """The decision's facts in the letter's words (Chinese: official documents are in Chinese)."""
    from cases.models import BenefitChange, Outcome
    from cases.models import Kind as CaseKind
    from subjects.models import BenefitType, Subject

    decided = timezone.localtime(case.decided_at).date() if case.decided_at else timezone.localdate()
    effective = case.benefit_start or decided
    amount = case.approved_amount if case.approved_amount is not None else case.benefit_amount
    benefit = _label(BenefitType, case.benefit_type) if case.benefit_type else ""
    lines: list[str] = []
    if kind == Kind.APPROVAL:
        partly = case.outcome == Outcome.PARTLY_APPROVED
        verdict = "部分批准" if partly else "批准"
        if case.kind in (CaseKind.BENEFIT_CLAIM, CaseKind.RECONSIDERATION) and case.benefit_change:
            if case.benefit_change == BenefitChange.ADD:
                if amount is not None:
                    lines.append(
                        f"{verdict}你的申请。自{chinese_date(effective)}起享受{benefit}，"
                        f"每月发放人民币{_money(amount)}元。"
                    )
                else:
                    lines.append(f"{verdict}你的申请。自{chinese_date(effective)}起享受{benefit}。")
            else:
                lines.append(f"{verdict}你的申请。自{chinese_date(effective)}起停止发放{benefit}。")
        if case.kind in (CaseKind.DATA_CORRECTION, CaseKind.RECONSIDERATION) and case.corrections:
            labels = []
            for field in case.corrections:
                try:
                    model_field = Subject._meta.get_field(field)
                except Exception:  # an unknown field is named as given
                    labels.append(field)
                else:
                    labels.append(str(getattr(model_field, "verbose_name", field)))
            lines.append(f"{verdict}你的申请，对你的档案信息（{'、'.join(labels)}）予以更正。")
        if not lines:
            lines.append(f"{verdict}你的申请，本机关将依规定办理。")
    elif kind == Kind.REJECTION:
        lines.append("不予批准你的申请。")
    return {
        "outcome": case.outcome,
        "lines": lines,
        "reasons": case.outcome_reasons,
        "legal_basis": case.legal_basis,
        "decided_on": chinese_date(decided),
        "effective_on": chinese_date(effective) if kind == Kind.APPROVAL else "",
        "amount": _money(amount) if amount is not None and kind == Kind.APPROVAL else "",
        "benefit": benefit,
    }


def build_snapshot(
    case: Any,
    *,
    kind: str,
    issuer: dict[str, Any],
    number: str,
    code: str,
    issued_on: dt.date,
    details: dict[str, Any] | None = None,
    supersedes: Any | None = None,
    supersede_reason: str = "",
) -> dict[str, Any]:
    """Everything the letter will say, as JSON (masked ID number only)."""
    from cases.models import Kind as CaseKind

    details = dict(details or {})
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of letter.")})
    _require_outcome(case, kind)
    if kind == Kind.CORRECTION and not str(details.get("reasons", "")).strip():
        raise ValidationError({"reasons": _("Say what the person must correct or supply.")})
    subject = case.subject
    with translation.override("zh-hans"):
        case_kind = _label(CaseKind, case.kind)
        decision = _decision(case, kind)
    return {
        "kind": kind,
        "title": TITLES[kind],  # type: ignore[index]
        "number": number,
        "verification_code": code,
        "verify_url": verify_url(code),
        "issued_on": issued_on.isoformat(),
        "issued_on_cn": chinese_date(issued_on),
        "issuer": {
            key: issuer[key]
            for key in ("bureau_name", "header_text", "seal", "address", "postcode", "phone", "contact_person", "cc")
        },
        "appeal": {
            key: issuer[key] for key in ("reconsideration_body", "reconsideration_days", "court", "lawsuit_months")
        },
        "subject": {
            "name": subject.name,
            "name_masked": mask_name(subject.name),
            "id_masked": subject.id_number_masked,
        },
        "case": {
            "number": case.number,
            "kind": case.kind,
            "kind_label": case_kind,
            "title": case.title,
            "filed_on": chinese_date(timezone.localtime(case.created_at).date()),
            "facts": case.description,
        },
        "decision": decision,
        "correction": {
            "what": str(details.get("reasons", "")).strip(),
            "days": int(details.get("days", DEFAULT_CORRECTION_DAYS)),
        },
        "attachments": [str(a) for a in details.get("attachments", [])],
        "supersedes": (
            {"number": supersedes.number, "issued_on_cn": supersedes.snapshot.get("issued_on_cn", "")}
            if supersedes is not None
            else None
        ),
        "supersede_reason": supersede_reason,
    }
