"""What a case's actions leave for others in the same transaction: letters to issue, notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from cases.models import Case
from letters.models import Letter
from notifications.models import Notification


def letter_kinds(case: Case) -> list[str]:
    return sorted(Letter.objects.filter(case=case).values_list("kind", flat=True))


def test_the_intake_review_requests_an_acknowledgement(file_case: Callable[..., Case], walk: Any) -> None:
    case = walk.intake(file_case())
    assert letter_kinds(case) == ["acknowledgement"]


def test_an_approval_requests_the_approval_letter(file_case: Callable[..., Case], walk: Any) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    walk.decide(case, "approve")
    assert letter_kinds(case) == ["acknowledgement", "approval"]


def test_a_rejection_requests_the_rejection_letter(file_case: Callable[..., Case], walk: Any) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    walk.decide(case, "reject", legal_basis="《伤残抚恤管理办法》")
    assert letter_kinds(case) == ["acknowledgement", "rejection"]


def test_a_return_requests_a_correction_notice_with_the_reasons(file_case: Callable[..., Case], walk: Any) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    walk.decide(case, "return", reasons="缺少退役证明")
    letter = Letter.objects.get(case=case, kind="correction")
    assert "缺少退役证明" in str(letter.snapshot)


def test_the_liaisons_bells_ring_when_verification_starts(
    file_case: Callable[..., Case], walk: Any, liaison_ps: Any, liaison_ca: Any
) -> None:
    walk.intake(file_case())
    assert Notification.objects.filter(recipient=liaison_ps).exists()
    assert Notification.objects.filter(recipient=liaison_ca).exists()


def test_the_caseworker_hears_of_the_decision(file_case: Callable[..., Case], walk: Any, caseworker: Any) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    walk.decide(case, "approve")
    assert Notification.objects.filter(recipient=caseworker, event="case.decided").count() == 1


def test_a_rolled_back_decision_leaves_no_letter_and_no_notification(
    file_case: Callable[..., Case], walk: Any, caseworker: Any
) -> None:
    case = walk.verify_all(walk.intake(file_case()))
    with pytest.raises(RuntimeError), transaction.atomic():
        walk.decide(case, "approve")
        raise RuntimeError("the request failed after the decision")
    assert letter_kinds(case) == ["acknowledgement"]
    assert not Notification.objects.filter(recipient=caseworker, event="case.decided").exists()
