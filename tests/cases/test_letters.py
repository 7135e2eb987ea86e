"""The letters of a case (cases/letters.py): the kinds cases registers with letters, what a
decision letter says, and the text to the person served when a decision letter is issued."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cases import letters as case_letters
from cases.models import Case
from letters import kinds
from letters.certs import make_self_signed
from letters.forms import RequestLetterForm
from letters.models import Letter, Status
from letters.tasks import render_letter
from notifications.models import Channel, Delivery
from subjects.models import Subject


@pytest.fixture(scope="module")
def signing_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("case-letter-keys")
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


def _issued(case: Case, kind: str) -> Letter:
    letter = Letter.objects.get(case=case, kind=kind)
    render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED, letter.error
    return letter


def test_cases_registers_its_five_kinds_of_letter_with_their_rules() -> None:
    # The apps above cases (petitions) register theirs after these.
    assert [code for code, _ in kinds.choices()][:5] == [
        "acknowledgement",
        "correction",
        "approval",
        "rejection",
        "non_acceptance",
    ]
    assert kinds.title_of("non_acceptance") == "不予受理告知书"
    assert kinds.get("non_acceptance").one_in_force_among == ("non_acceptance",)
    assert [code for code, _ in kinds.requestable_choices()] == ["acknowledgement", "correction"]
    for code, requestable in (("acknowledgement", True), ("correction", True), ("approval", False)):
        assert RequestLetterForm({"kind": code, "days": 15}).is_valid() is requestable, code
    assert kinds.get("acknowledgement").one_in_force_among == ("acknowledgement",)
    assert kinds.get("correction").one_in_force_among == ()
    for decision in ("approval", "rejection"):
        kind = kinds.get(decision)
        assert kind.one_in_force_among == ("approval", "rejection")
        assert kind.supersede_permission == kinds.APPROVE
        assert kind.on_issued is case_letters.decision_letter_issued
    assert kinds.get("acknowledgement").supersede_permission == kinds.HANDLE
    assert kinds.title_of("rejection") == "不予批准决定书"


def test_registering_again_changes_nothing() -> None:
    before = kinds.all_kinds()
    case_letters.register()
    assert kinds.all_kinds() == before


def test_the_registered_access_check_is_the_cases_one(file_case: Callable[..., Case], caseworker_b: Any) -> None:
    from django.http import Http404

    case = file_case()
    with pytest.raises(Http404):
        kinds.access_case(caseworker_b, case.pk)


def test_a_decision_letter_needs_the_matching_decision(file_case: Callable[..., Case], walk: Any) -> None:
    case = walk.intake(file_case())
    with pytest.raises(ValidationError) as caught:
        case_letters.case_snapshot(case, {}, kind="approval")
    assert "kind" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        case_letters.case_snapshot(case, {"reasons": " "}, kind="correction")
    assert "reasons" in caught.value.message_dict
    case = walk.decide(walk.verify_all(case), "approve", retroactive_reason="自申请当月起追溯发放")
    part = case_letters.case_snapshot(case, {}, kind="approval")
    assert part["decision"]["lines"] == ["批准你的申请。自2026年1月1日起享受国家补助，每月发放人民币350.00元。"]
    assert part["case"]["number"] == case.number and part["subject"]["name_masked"] == "张*"
    with pytest.raises(ValidationError):
        case_letters.case_snapshot(case, {}, kind="rejection")


def test_an_issued_decision_letter_texts_the_person_when_a_phone_is_on_file(
    file_case: Callable[..., Case], walk: Any
) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    Subject.objects.filter(pk=case.subject_id).update(phone="13800138000")
    walk.decide(case, "approve")
    _issued(case, "approval")
    sms = Delivery.objects.get(channel=Channel.SMS)
    assert sms.address == "13800138000"
    assert case.subject.name not in str(sms.__dict__)  # no personal details in the text


def test_an_acknowledgement_sends_no_text(file_case: Callable[..., Case], walk: Any) -> None:
    case = file_case()
    Subject.objects.filter(pk=case.subject_id).update(phone="13800138000")
    walk.intake(case)
    _issued(case, "acknowledgement")
    assert not Delivery.objects.filter(channel=Channel.SMS).exists()


def _pdf_text(letter: Letter) -> str:
    from django.conf import settings

    from tests.letters.test_rendering import _flat, pdf_text

    return _flat(pdf_text(Path(settings.LAUREL_LETTER_DIR) / letter.file_name))


@needs_pdftotext
def test_the_correction_notice_of_an_intake_review_lists_what_is_missing(
    file_case: Callable[..., Case], caseworker: Any
) -> None:
    from cases import actions

    from .conftest import open_task

    case = file_case()
    actions.do_return_at_intake(
        open_task(case, "intake"), actor=caseworker, missing=["household_register"], other="近期免冠照片", days=10
    )
    text = _pdf_text(_issued(case, "correction"))
    for expected in ("补正通知书", "1.户口簿复印件", "2.近期免冠照片", "自收到本通知书之日起10日内"):
        assert expected in text, expected


@needs_pdftotext
def test_the_refusal_notice_gives_the_reasons_legal_basis_and_appeal_rights(
    file_case: Callable[..., Case], caseworker: Any
) -> None:
    from cases import actions

    from .conftest import open_task

    case = file_case()
    actions.do_refuse_intake(
        open_task(case, "intake"),
        actor=caseworker,
        reasons="申请事项已由人民法院受理。",
        legal_basis="《信访工作条例》第三十二条",
    )
    text = _pdf_text(_issued(case, "non_acceptance"))
    for expected in (
        "不予受理告知书",
        "本机关决定不予受理",
        "申请事项已由人民法院受理",
        "《信访工作条例》第三十二条",
        "申请行政复议",
    ):
        assert expected in text, expected


@needs_pdftotext
def test_the_decision_letter_prints_the_bureaus_findings_not_the_applicants_account(
    file_case: Callable[..., Case], walk: Any
) -> None:
    case = walk.verify_all(walk.intake(file_case(description="我家里很困难，请照顾。")))
    walk.decide(
        case,
        "approve",
        findings="经核查，申请人系退役士兵，现无固定收入。",
        effective_on=dt.date(2026, 1, 1),
        retroactive_reason="自申请当月起追溯发放",
    )
    text = _pdf_text(_issued(case, "approval"))
    assert "经查明：经核查，申请人系退役士兵，现无固定收入。" in text
    assert "我家里很困难" not in text
    assert "本决定自2026年1月1日起生效（追溯至该日，理由：自申请当月起追溯发放）" in text


@needs_pdftotext
def test_an_old_letter_snapshot_without_findings_still_renders_the_facts_it_had(
    file_case: Callable[..., Case], walk: Any
) -> None:
    case = walk.decide(walk.verify_all(walk.intake(file_case(description="申请人所述情况。"))), "approve")
    letter = Letter.objects.get(case=case, kind="approval")
    snapshot = dict(letter.snapshot)
    snapshot["decision"] = {
        k: v for k, v in snapshot["decision"].items() if k not in ("findings", "retroactive_reason")
    }
    Letter.objects.filter(pk=letter.pk).update(snapshot=snapshot)
    assert "经查明：申请人所述情况。" in _pdf_text(_issued(case, "approval"))


def test_a_statutory_benefit_is_awarded_at_the_amount_by_rule_and_the_letter_says_why(
    file_case: Callable[..., Case], walk: Any, approver: Any
) -> None:
    from benefits.loading import do_load_benefit_standards
    from benefits.models import Entitlement
    from cases.actions import do_apply_decision
    from tests.benefits.conftest import SAMPLE

    do_load_benefit_standards(SAMPLE, actor=None)
    case = walk.intake(file_case(benefit_type="living_subsidy", benefit_change="add", benefit_amount="1000.00"))
    case = walk.decide(walk.verify_all(case), "approve")
    part = case_letters.case_snapshot(case, {}, kind="approval")
    first, why = part["decision"]["lines"]
    assert first.endswith("享受定期生活补助，每月发放人民币1,050.00元。")
    assert "《军人抚恤优待条例》第六十二条" in why and "申请金额为1,000.00元，相差50.00元" in why
    case.refresh_from_db()
    if case.applied_at is None:  # the flow applies it on approval; apply by hand if it waits
        do_apply_decision(case, actor=approver)
    entitlement = Entitlement.objects.get(subject=case.subject)
    assert entitlement.monthly_amount == Decimal("1050.00") and case.benefit_amount == Decimal("1000.00")
