"""The letter-kinds registry: a kind registered by another app is numbered, snapshotted from
its own content, rendered with its template, refused by its own rules and reacted to when
issued — letters itself knows nothing of what the kind says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from core.errors import Conflict
from letters import actions, kinds, queries
from letters.content import mask_name
from letters.forms import RequestLetterForm
from letters.models import Letter, LetterCounter, Status
from letters.tasks import render_letter

issued: list[int] = []


def _notice(case: Any, details: dict[str, Any]) -> dict[str, Any]:
    if details.get("refuse"):
        raise ValidationError({"kind": "not for this case"})
    return {
        "subject": {"name": case.subject.name, "name_masked": mask_name(case.subject.name), "id_masked": "*"},
        "case": {"number": case.number, "kind_label": "通知", "title": "", "filed_on": "", "facts": ""},
        "extra": {"said": "what the registering app says"},
    }


NOTICE = kinds.LetterKind(
    code="notice",
    label="Notice",
    title="告知书",
    template="letters/pdf/acknowledgement.html",
    snapshot=_notice,
    one_in_force_among=("notice",),
    may_request=True,
    supersede_permission=kinds.APPROVE,
    on_issued=lambda letter: issued.append(letter.pk),
)


@pytest.fixture
def notice_kind() -> Iterator[kinds.LetterKind]:
    kinds.register_kind(NOTICE)
    issued.clear()
    yield NOTICE
    kinds.unregister_kind(NOTICE.code)


def test_a_registered_kind_goes_through_the_whole_mechanism(
    notice_kind: kinds.LetterKind, letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    case = file_case()
    letter = actions.do_request_letter(case, kind="notice", actor=approver)
    assert letter.kind == "notice" and letter.title == "告知书" and letter.get_kind_display() == "Notice"
    assert letter.snapshot["title"] == "告知书" and letter.snapshot["number"] == letter.number
    assert letter.snapshot["extra"] == {"said": "what the registering app says"}
    assert letter.snapshot["case"]["number"] == case.number
    render_letter.call(letter.pk)
    render_letter.call(letter.pk)  # issued once: the reaction runs once
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED, letter.error
    assert issued == [letter.pk]
    assert queries.supersede_codename(letter) == kinds.APPROVE
    assert RequestLetterForm({"kind": "notice", "days": 15}).is_valid()
    with pytest.raises(Conflict):  # one in force per case
        actions.do_request_letter(case, kind="notice", actor=approver)


def test_the_kinds_refusal_takes_no_number(
    notice_kind: kinds.LetterKind, letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    with pytest.raises(ValidationError):
        actions.do_request_letter(file_case(), kind="notice", actor=approver, details={"refuse": True})
    assert not LetterCounter.objects.filter(last__gt=0).exists()
    assert not Letter.objects.exists()


def test_an_unknown_kind_is_refused_as_a_bad_request(
    letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        actions.do_request_letter(file_case(), kind="notice", actor=approver)
    assert "kind" in caught.value.message_dict
    assert "notice" not in dict(kinds.choices())


def test_a_code_is_registered_once(notice_kind: kinds.LetterKind) -> None:
    kinds.register_kind(NOTICE)  # the same kind again: no change
    with pytest.raises(ImproperlyConfigured):
        kinds.register_kind(kinds.LetterKind(code="notice", label="Other", title="", template="", snapshot=_notice))
    assert kinds.get("notice") is NOTICE


def test_without_a_registered_case_source_the_case_pages_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_case_source", [])
    with pytest.raises(ImproperlyConfigured):
        kinds.access_case(None, 1)
    with pytest.raises(ImproperlyConfigured):
        kinds.lock_case(1)
