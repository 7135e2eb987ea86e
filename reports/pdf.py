"""The one place that turns a report into a PDF, in the official layout, issued like a letter.

A submitted report is numbered (文号), sealed, signed and verifiable the way a letter is, with
the letters app's machinery rather than a copy of it: its issuing authority
(``letters.content.letterhead_for``), its renderer (``letters.rendering.pdf_from_html``: local
resources only, ``lang="zh-CN"``, a missing glyph is an error rather than tofu), its seal and QR
images, its signing key (``letters.signing``) and its public verification page, which finds a
report's code through ``letters.kinds.register_document_source`` (registered in
``ReportsConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.counters import next_value
from jurisdictions.models import Division, Level
from letters import content, kinds, rendering, signing
from letters.actions import display_code, new_verification_code
from letters.models import Letter

from .models import Report, ReportCounter, ReportDocument


class ReportRenderError(Exception):
    """The PDF could not be rendered correctly; nothing was submitted."""


MINISTRY = "退役军人事务部"


def issuer_for(report: Report) -> dict[str, Any]:
    """The bureau that issues ``report``: the letterhead of its division (a province's own when none is set)."""
    issuer = dict(content.letterhead_for(report.division_id))
    if report.level == Level.PROVINCE and not issuer["division"]:
        name = report.division.name
        issuer.update(
            bureau_name=f"{name}退役军人事务厅",
            header_text=f"{name}退役军人事务厅",
            number_prefix=f"{name[:1]}退役军人",
        )
    # Letters carry decisions (…决); a report goes up the chain (…报).
    prefix = issuer["number_prefix"]
    issuer["report_prefix"] = (prefix[:-1] if prefix.endswith("决") else prefix) + "报"
    return issuer


def addressee_of(report: Report) -> str:
    """The body a report is sent up to: the city's bureau for a county, the ministry for a province."""
    if report.level == Level.PROVINCE:
        return MINISTRY
    city = Division.objects.filter(code=report.division_id[:4]).values_list("name", flat=True).first()
    return f"{city}退役军人事务局" if city and city != "市辖区" else MINISTRY


def new_code() -> str:
    code = new_verification_code()
    while (
        Letter.objects.filter(verification_code=code).exists()
        or ReportDocument.objects.filter(verification_code=code).exists()
    ):  # pragma: no cover - 31^10 codes
        code = new_verification_code()
    return code


def issue_frame(report: Report, *, on: dt.date) -> dict[str, Any]:
    """Number the submission (gap-free per division and year) and give it a verification code.

    Call inside the submitting transaction: a rollback gives the number back.
    """
    issuer = issuer_for(report)
    sequence = next_value(ReportCounter, division_code=report.division_id, year=on.year)
    code = new_code()
    return {
        "number": content.document_number(issuer["report_prefix"], on.year, sequence),
        "code": code,
        "display_code": display_code(code),
        "verify_url": content.verify_url(code),
        "issuer": issuer,
        "addressee": addressee_of(report),
        "issued_on_cn": content.chinese_date(on),
    }


def render_report_pdf(report: Report, context: dict[str, Any]) -> bytes:
    """The report as signed PDF bytes (always in Chinese: the official language of the documents).

    ``context["issue"]``: the frame of :func:`issue_frame` (number, code, issuer…).
    """
    frame = context["issue"]
    images = {
        "seal": rendering.seal_data_uri(frame["issuer"].get("seal", "")),
        "qr": rendering.qr_svg_data_uri(frame["verify_url"]),
    }
    with translation.override("zh-hans"):
        html = render_to_string("reports/pdf/report.html", {"report": report, **context, **images})
    try:
        pdf = rendering.pdf_from_html(html)
        return signing.sign_pdf(
            pdf, reason=f"{frame['number']} {report.period.name}", location=frame["issuer"]["bureau_name"]
        )
    except rendering.LetterRenderError as exc:
        raise ReportRenderError(str(exc)) from exc


def document_by_code(code: str) -> kinds.IssuedDocument | None:
    """A submitted report's PDF by its verification code (for the public verification page)."""
    document = (
        ReportDocument.objects.select_related("report__division", "report__period")
        .filter(verification_code=code)
        .first()
    )
    if document is None:
        return None
    report = document.report
    newer = report.documents.filter(number__gt=document.number).order_by("number").first()
    with translation.override("zh-hans"):
        title = f"{report.division.name}{report.period.name}服务对象信息采集情况报告"
    return kinds.IssuedDocument(
        number=document.document_number,
        title=title,
        bureau=issuer_for(report)["bureau_name"],
        issued_on=content.chinese_date(timezone.localtime(document.signed_at).date()),
        addressee=addressee_of(report),
        sha256=document.sha256,
        superseded_by=newer.document_number if newer is not None else "",
    )


def signer_name_or_blank(pdf: bytes) -> str:
    """The signing certificate's name, when ``pdf`` carries the signature (blank for an unsigned stub)."""
    if signing.FIELD_NAME.encode() not in pdf:
        return ""
    return signing.signer_name()
