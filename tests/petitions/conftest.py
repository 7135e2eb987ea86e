"""Grievance fixtures: a frozen day, the cited articles of the policy base, a registered grievance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from freezegun import freeze_time

from accounts.models import User
from cases.models import Case
from petitions import actions
from policies.models import PolicyArticle, PolicyDocument
from tests.cases.conftest import approver, make_subject, subject  # noqa: F401

# Friday 5 June 2026, 10:00 in Beijing: received today, the 15 days end on Saturday 20 June.
TODAY = dt.date(2026, 6, 5)


@pytest.fixture(autouse=True)
def _today() -> Iterator[Any]:
    with freeze_time(dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC)) as frozen:
        yield frozen


@pytest.fixture
def articles(db: Any) -> dict[str, PolicyArticle]:
    doc = PolicyDocument.objects.create(title="信访工作条例", kind="regulation", issuer="中共中央、国务院")
    old = PolicyDocument.objects.create(title="信访条例", kind="regulation", issuer="国务院")

    def art(document: PolicyDocument, number: str, text: str, **kw: Any) -> PolicyArticle:
        kw.setdefault("effective_on", dt.date(2022, 5, 1))
        kw.setdefault("is_summary", False)
        return PolicyArticle.objects.create(document=document, number=number, text=text, version=1, **kw)

    return {
        "19": art(
            doc, "第十九条", "已受理或者正在办理的……不予受理。", is_summary=True, summary_source="产品领域说明摘要"
        ),
        "32": art(doc, "第三十二条", "对信访人提出的……予以支持；……不予支持。"),
        "34": art(doc, "第三十四条", "情况复杂的，经本机关负责人批准，可以适当延长办理期限。"),
        "repealed": art(
            old, "第二十一条", "旧条文。", effective_on=dt.date(2005, 5, 1), repealed_on=dt.date(2022, 5, 1)
        ),
    }


@pytest.fixture
def register(caseworker: User, subject: Any) -> Callable[..., Case]:  # noqa: F811
    def reg(**kw: Any) -> Case:
        kw.setdefault("channel", "visit")
        kw.setdefault("request", "补发优待证")
        kw.setdefault("facts", "2025年申领后未收到")
        kw.setdefault("reasons", "符合条件")
        return actions.do_register_petition(kw.pop("subject_", subject), actor=kw.pop("actor", caseworker), **kw)

    return reg
