"""Grievance fixtures: a frozen day, the cited articles of the policy base, a registered grievance; and
what the browser walks stand on (the offices of a city and its county, the shipped articles, a place for
the screenshots)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
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
def _today(request: pytest.FixtureRequest) -> Iterator[Any]:
    if "server" in request.fixturenames:
        yield None  # a browser walk: the live server runs on the real clock
        return
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


# --- the browser walks ----------------------------------------------------------------------------

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "petitions"


def shot(page: Any, name: str) -> None:
    """A full-page screenshot of a walk's step, in ``var/screenshots/petitions/``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def offices(make_user: Callable[..., User]) -> dict[str, Any]:
    """The grievance browser walks' ground (PostgreSQL only): the demo divisions, the shipped articles of the
    policy base, the county's caseworker and head (天河区), the city's petition office (广州市) and the
    person who petitions, living in the county."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("browser walks run on PostgreSQL only (slow); CI runs them there")
    connection.close()  # another walk's server may have ended this worker's sessions
    from policies.actions import do_load_policy_articles
    from policies.data import SHIPPED_ARTICLES
    from subjects.actions import do_register_subject
    from subjects.models import Category
    from tests.cases.conftest import new_id, restore_demo_divisions

    restore_demo_divisions()
    do_load_policy_articles(SHIPPED_ARTICLES, actor=None)
    return {
        "county": make_user("caseworker", "caseworker", "440106", full_name="张经办"),
        "head": make_user("approver", "approver", "440106", full_name="李局长"),
        "city": make_user("city_office", "caseworker", "4401", full_name="王市信访"),
        "subject": do_register_subject(
            division="440106", id_number=new_id(), name="赵大勇", actor=None, category=Category.RETIRED_SOLDIER
        ),
    }
