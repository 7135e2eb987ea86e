"""The letters of a case (cases/letters.py): the kinds cases registers with letters, what a
decision letter says, and the text to the person served when a decision letter is issued."""

from __future__ import annotations

from collections.abc import Callable
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
    settings.LAUREL_LETTER_VERIFY_BASE_URL = "https://laurel.example.gov.cn"


def _issued(case: Case, kind: str) -> Letter:
    letter = Letter.objects.get(case=case, kind=kind)
    render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED, letter.error
    return letter


def test_cases_registers_its_five_kinds_of_letter_with_their_rules() -> None:
    assert [code for code, _ in kinds.choices()] == [
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
