"""Reports fixtures: a reporting period, people at every level, subjects and cases in two counties."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from cases.models import Case
from reports.actions import do_open_period
from reports.models import ReportingPeriod
from subjects import ids
from subjects.actions import do_register_subject
from subjects.models import Category, Subject
from tests.conftest import CITY, COUNTY_A, COUNTY_B, OTHER_PROVINCE, PROVINCE

_sequence = count(1)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # Dashboards above the county are cached; tests see live figures unless they ask otherwise.
    settings.LAUREL_REPORTS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _stub_pdf(request: Any, monkeypatch: Any) -> None:
    """Rendering takes ~0.5 s; only tests that ask for ``real_pdf`` pay for it."""
    if "real_pdf" not in request.fixturenames:
        monkeypatch.setattr("reports.actions.render_report_pdf", lambda report, context: b"%PDF-1.7 stub")


@pytest.fixture(scope="session")
def report_signing_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    from letters.certs import make_self_signed

    folder = tmp_path_factory.mktemp("report-keys")
    key, cert = folder / "key.pem", folder / "cert.pem"
    make_self_signed(key, cert, common_name="Laurel test report signing")
    return key, cert


@pytest.fixture
def real_pdf(settings: Any, report_signing_pair: tuple[Any, Any]) -> None:
    """Request this fixture to render real PDFs with WeasyPrint, signed with a test key."""
    settings.LAUREL_LETTER_SIGNING_KEY, settings.LAUREL_LETTER_SIGNING_CERT = report_signing_pair


@pytest.fixture
def period(db: Any) -> ReportingPeriod:
    today = timezone.localdate()
    start = today.replace(day=1)
    return do_open_period(
        actor=None,
        key="this-month",
        name="本月",
        starts_on=start,
        ends_on=today,
        county_due=today + dt.timedelta(days=5),
        province_due=today + dt.timedelta(days=10),
    )


@pytest.fixture
def past_period(db: Any) -> ReportingPeriod:
    today = timezone.localdate()
    return do_open_period(
        actor=None,
        key="last-year",
        name="去年",
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=370),
        county_due=today - dt.timedelta(days=360),
        province_due=today - dt.timedelta(days=350),
    )


@pytest.fixture
def approver_a(make_user: Callable[..., User]) -> User:
    return make_user("approver_a", "approver", COUNTY_A)


@pytest.fixture
def approver_b(make_user: Callable[..., User]) -> User:
    return make_user("approver_b", "approver", COUNTY_B)


@pytest.fixture
def province_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("province_supervisor", "supervisor", PROVINCE)


@pytest.fixture
def national_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("national_supervisor", "supervisor", "CN")


@pytest.fixture
def other_province_supervisor(make_user: Callable[..., User]) -> User:
    return make_user("other_province_supervisor", "supervisor", OTHER_PROVINCE)


@pytest.fixture
def city_supervisor(supervisor: User) -> User:
    assert supervisor.memberships.get().division_id == CITY
    return supervisor


@pytest.fixture
def make_subject(db: Any) -> Callable[..., Subject]:
    def make(division: str = COUNTY_A, **fields: Any) -> Subject:
        n = next(_sequence)
        fields.setdefault("category", Category.RETIRED_SOLDIER)
        id_number = ids.build(division[:6], dt.date(1950, 1, 1) + dt.timedelta(days=n * 37), (n % 499) * 2 + 1)
        return do_register_subject(division=division, id_number=id_number, name=f"测试{n}", actor=None, **fields)

    return make


@pytest.fixture
def make_case(db: Any, make_user: Callable[..., User]) -> Callable[..., Case]:
    """A case row in a given stage (written directly: the figures only read rows)."""
    filer: dict[str, User] = {}

    def make(subject: Subject, status: str = "submitted", **fields: Any) -> Case:
        if "user" not in filer:
            filer["user"] = make_user("case_filer")
        n = next(_sequence)
        return Case.objects.create(
            number=f"{subject.county_code}-T-{n:06d}",
            kind=fields.pop("kind", "grievance"),
            subject=subject,
            title="测试案件",
            filed_by=filer["user"],
            division_id=subject.division_id,
            status=status,
            **fields,
        )

    return make


@pytest.fixture
def populated(make_subject: Callable[..., Subject], make_case: Callable[..., Case]) -> dict[str, list[Subject]]:
    """Two counties with different subjects and cases (A: 3 subjects, 2 open cases; B: 2 subjects, 1 case)."""
    complete = {
        "ethnicity": "01",
        "political_affiliation": "masses",
        "hukou_address": "广州市天河区某路1号",
        "service_start": dt.date(1970, 3, 1),
        "confirmed_by": "本人",
        "confirmed_at": dt.date(2026, 1, 5),
    }
    a = [
        make_subject(COUNTY_A, **complete),
        make_subject(COUNTY_A, category=Category.MARTYR_SURVIVOR),
        make_subject(COUNTY_A, category=Category.RETIRED_OFFICER, status="deceased"),
    ]
    b = [make_subject(COUNTY_B, **complete), make_subject(COUNTY_B)]
    now = timezone.now()
    make_case(a[0], "submitted", due_at=now + dt.timedelta(days=3))
    make_case(a[1], "verifying", due_at=now - dt.timedelta(days=1))
    make_case(b[0], "pending_approval", due_at=now + dt.timedelta(days=2))
    return {"a": a, "b": b}
