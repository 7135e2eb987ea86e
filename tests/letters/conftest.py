"""Letter fixtures: a throwaway signing pair, a private letter directory, and decided cases."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from cases import actions as case_actions
from cases.models import Case, Kind, Outcome, Status
from jurisdictions.models import Department, Division
from letters import actions
from letters.certs import make_self_signed
from letters.models import Letter, Letterhead
from letters.tasks import render_letter
from subjects import ids
from subjects.actions import do_register_subject
from subjects.models import Subject
from tests.conftest import COUNTY_A

# A name with characters outside the basic CJK block (Ext A 䶮, Ext B-E 𫖯): they must render.
RARE_NAME = "欧阳𫖯䶮"
_sequence = itertools.count(500)


@pytest.fixture(scope="session")
def signing_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("letter-keys")
    key, cert = folder / "key.pem", folder / "cert.pem"
    make_self_signed(key, cert, common_name="Laurel test letter signing")
    return key, cert


@pytest.fixture(autouse=True)
def _letter_settings(settings: Any, tmp_path: Path, signing_pair: tuple[Path, Path]) -> None:
    settings.LAUREL_LETTER_DIR = tmp_path / "letters"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAUREL_LETTER_SIGNING_KEY, settings.LAUREL_LETTER_SIGNING_CERT = signing_pair
    settings.LAUREL_PUBLIC_BASE_URL = "https://laurel.example.gov.cn"


needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"
)


def new_id(division: str) -> str:
    n = next(_sequence)
    return ids.build(division, dt.date(1950, 1, 1) + dt.timedelta(days=n * 11), n % 1000)


@pytest.fixture
def make_subject(db: Any) -> Callable[..., Subject]:
    def make(division: str = COUNTY_A, *, name: str = RARE_NAME) -> Subject:
        return do_register_subject(
            division=division, id_number=new_id(division), name=name, actor=None, category="retired_soldier"
        )

    return make


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user("approver", "approver", COUNTY_A)


@pytest.fixture
def letterhead(db: Any) -> Letterhead:
    return actions.do_set_letterhead(
        Division.objects.get(code=COUNTY_A),
        actor=None,
        bureau_name="广州市天河区退役军人事务局",
        number_prefix="天退役军人决",
        address="广州市天河区天河路1号",
        postcode="510620",
        phone="020-12345678",
        contact_person="陈科员",
        reconsideration_body="广州市天河区人民政府",
        reconsideration_days=60,
        court="广州铁路运输法院",
        lawsuit_months=6,
        cc="广州市退役军人事务局",
    )


@pytest.fixture
def file_case(caseworker: User, make_subject: Callable[..., Subject]) -> Callable[..., Case]:
    def file(division: str = COUNTY_A, *, actor: User | None = None, name: str = RARE_NAME) -> Case:
        return case_actions.do_file_case(
            make_subject(division, name=name),
            kind=Kind.BENEFIT_CLAIM,
            title="申请定期抚恤补助",
            description="申请人系退役士兵，1979年入伍，1985年退役，现无固定收入。",
            actor=actor or caseworker,
            departments=[Department.PUBLIC_SECURITY],
            benefit_type="state_subsidy",
            benefit_change="add",
            benefit_amount=Decimal("350.00"),
            benefit_start=dt.date(2026, 1, 1),
            duplicate_action="continue",
        )

    return file


@pytest.fixture
def decide(approver: User) -> Callable[..., Case]:
    """Put the approver's decision on a filed case.

    The decision fields are set directly (test setup): the flow that leads there is the cases
    app's and is tested in tests/cases; letters only read the decided case.
    """

    def set_decision(case: Case, decision: str = "approve", **kw: Any) -> Case:
        outcome = {"approve": Outcome.PARTLY_APPROVED if kw.get("partly") else Outcome.APPROVED}.get(
            decision, Outcome.REJECTED
        )
        Case.objects.filter(pk=case.pk).update(
            status=Status.APPROVED if decision == "approve" else Status.REJECTED,
            outcome=outcome,
            outcome_reasons=kw.get("reasons", "" if decision == "approve" else "申请人不符合定期抚恤补助的条件。"),
            legal_basis=kw.get("legal_basis", "《军人抚恤优待条例》第三十条"),
            approved_amount=kw.get("approved_amount"),
            decided_by=approver,
            decided_at=timezone.now(),
        )
        return Case.objects.select_related("subject").get(pk=case.pk)

    return set_decision


@pytest.fixture
def issue(approver: User) -> Callable[..., Letter]:
    """Request a letter and run its render job synchronously (as the worker would)."""

    def run(case: Case, kind: str = "approval", **kw: Any) -> Letter:
        letter = actions.do_request_letter(case, kind=kind, actor=kw.pop("actor", approver), **kw)
        render_letter.call(letter.pk)
        letter.refresh_from_db()
        return letter

    return run
