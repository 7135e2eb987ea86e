"""What a letter says: the issuing authority for a division, and the data snapshot.

The snapshot is taken once, when the letter is requested, and is all the renderer sees: a
letter can be rendered (and re-checked) later without reading the case again, and the row
keeps exactly the data the PDF was made from. It holds the masked ID number only. Letters
build its frame; the case's part comes from the registered kind (:mod:`letters.kinds`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jurisdictions.models import Division, ancestor_codes

from . import kinds
from .models import Letterhead

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
    base = settings.LAUREL_PUBLIC_BASE_URL
    if not base:
        raise ImproperlyConfigured(
            "LAUREL_PUBLIC_BASE_URL is not set: letters print it in their QR code (e.g. https://laurel.example.gov.cn)."
        )
    return f"{base}/letters/verify/{code.replace('-', '')}/"


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
    """Everything the letter will say, as JSON (masked ID number only).

    Letters build the frame (number, code, issuer, appeal rights, correction details,
    attachments, what it supersedes); the registered kind supplies the rest from the case
    (``subject``, ``case``, ``decision``…) and refuses a case that cannot have this letter.
    """
    details = dict(details or {})
    spec = kinds.get(kind)
    content = spec.snapshot(case, details)
    return {
        "kind": kind,
        "title": spec.title,
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
        **content,
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
