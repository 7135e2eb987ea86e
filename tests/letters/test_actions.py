"""Actions: gap-free numbering, the job row iff commit, render once, supersede keeps the old
letter, dispatch tracking, and an audit event for each step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import AuditEvent
from core.errors import Conflict
from letters import actions
from letters.models import Letter, LetterCounter, Status
from letters.tasks import render_letter
from tests.conftest import COUNTY_B

TASK_PATH = "letters.tasks.render_letter"


def _jobs() -> int:
    return DBTaskResult.objects.filter(task_path=TASK_PATH).count()


def _events(letter: Letter, event_type: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="letters.letter", object_id=str(letter.pk), event_type=event_type)
    )


def test_document_numbers_are_gap_free_per_county_and_year(
    letterhead: Any, file_case: Callable[..., Any], approver: Any, caseworker_b: Any
) -> None:
    year = timezone.localdate().year
    first = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    second = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    other_county = actions.do_request_letter(
        file_case(COUNTY_B, actor=caseworker_b), kind="acknowledgement", actor=caseworker_b
    )
    assert (first.sequence, second.sequence, other_county.sequence) == (1, 2, 1)
    assert first.number == f"天退役军人决〔{year}〕1号"
    assert second.number == f"天退役军人决〔{year}〕2号"
    # County B has no letterhead of its own: a default named after the county.
    assert other_county.snapshot["issuer"]["bureau_name"] == "广州市越秀区退役军人事务局"
    assert other_county.number == f"越秀退役军人〔{year}〕1号"


def test_the_render_job_exists_if_and_only_if_the_request_commits(
    letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    case = file_case()
    before = _jobs()
    letter = actions.do_request_letter(case, kind="acknowledgement", actor=approver)
    assert _jobs() == before + 1
    assert letter.status == Status.PENDING

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
        raise RuntimeError("the caller's transaction fails after the request")
    assert _jobs() == before + 1  # the second job vanished with its letter...
    assert Letter.objects.count() == 1
    # ...and so did its number: the next letter takes 2, no gap.
    assert LetterCounter.objects.get(county_code="440106").last == 1
    assert actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver).sequence == 2


def test_a_refused_request_takes_no_number(letterhead: Any, file_case: Callable[..., Any], approver: Any) -> None:
    with pytest.raises(ValidationError):
        actions.do_request_letter(file_case(), kind="approval", actor=approver)  # no decision yet
    with pytest.raises(ValidationError):
        actions.do_request_letter(file_case(), kind="correction", actor=approver, details={"reasons": " "})
    assert not LetterCounter.objects.filter(last__gt=0).exists()
    assert _jobs() == 0


def test_the_job_renders_once_and_running_it_again_does_nothing(
    letterhead: Any, file_case: Callable[..., Any], approver: Any, settings: Any
) -> None:
    letter = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    digest = render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED
    assert letter.sha256 == digest and len(digest) == 64
    assert letter.size == (Path(settings.LAUREL_LETTER_DIR) / letter.file_name).stat().st_size
    assert letter.template_version and letter.signer
    stored = sorted(Path(settings.LAUREL_LETTER_DIR).rglob("*.pdf"))

    assert render_letter.call(letter.pk) == digest
    assert sorted(Path(settings.LAUREL_LETTER_DIR).rglob("*.pdf")) == stored
    assert len(_events(letter, "letter.issued")) == 1
    assert len(_events(letter, "letter.requested")) == 1


def test_a_correction_supersedes_the_old_letter_and_keeps_it(
    letterhead: Any,
    file_case: Callable[..., Any],
    decide: Callable[..., Any],
    issue: Callable[..., Letter],
    approver: Any,
    settings: Any,
) -> None:
    case = decide(file_case(), "approve", approved_amount="300.00")
    old = issue(case, "approval")
    old_file = Path(settings.LAUREL_LETTER_DIR) / old.file_name
    old_bytes = old_file.read_bytes()

    case = decide(case, "approve", approved_amount="320.00")  # the amount is corrected on the case
    new = actions.do_supersede_letter(old, actor=approver, reason="核定金额有误，予以更正。")
    render_letter.call(new.pk)
    new.refresh_from_db()
    old.refresh_from_db()

    assert new.supersedes == old and old.superseded_by == new
    assert old.status == Status.ISSUED and old.superseded_at is not None and not old.is_current
    assert old_file.read_bytes() == old_bytes  # never regenerated in place
    assert new.number != old.number and new.sha256 != old.sha256
    assert new.snapshot["decision"]["amount"] == "320.00" and old.snapshot["decision"]["amount"] == "300.00"
    assert new.snapshot["supersedes"]["number"] == old.number
    assert _events(old, "letter.superseded")[0].data["by"] == new.number

    with pytest.raises(Conflict):
        actions.do_supersede_letter(old, actor=approver, reason="again")
    with pytest.raises(Conflict):  # one decision letter in force per case
        actions.do_request_letter(case, kind="approval", actor=approver)


def test_a_correction_needs_a_reason(
    letterhead: Any, file_case: Callable[..., Any], issue: Callable[..., Letter]
) -> None:
    old = issue(file_case(), "acknowledgement")
    with pytest.raises(ValidationError):
        actions.do_supersede_letter(old, actor=None, reason="  ")


def test_return_for_correction_lists_what_to_correct(
    letterhead: Any, file_case: Callable[..., Any], issue: Callable[..., Letter]
) -> None:
    letter = issue(file_case(), "correction", details={"reasons": "请补充退役证复印件。\n请补充户口簿复印件。"})
    assert letter.status == Status.ISSUED
    assert letter.snapshot["correction"] == {"what": "请补充退役证复印件。\n请补充户口簿复印件。", "days": 15}


def test_dispatch_is_tracked_and_delivery_dated(
    letterhead: Any, file_case: Callable[..., Any], issue: Callable[..., Letter], caseworker: Any
) -> None:
    letter = issue(file_case(), "acknowledgement")
    today = timezone.localdate()
    actions.do_record_dispatch(letter, method="printed", date=today, actor=caseworker)
    with pytest.raises(ValidationError) as caught:
        actions.do_record_dispatch(letter, method="mailed", date=today, actor=caseworker)
    assert "tracking_number" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.do_record_dispatch(letter, method="in_person", date=today + dt.timedelta(days=1), actor=caseworker)
    assert "date" in caught.value.message_dict
    actions.do_record_dispatch(letter, method="mailed", date=today, tracking_number="EMS1234567890CN", actor=caseworker)
    letter.refresh_from_db()
    assert letter.delivered_on is None  # mailed is not yet delivered
    actions.do_record_dispatch(letter, method="mail_received", date=today, actor=caseworker)
    letter.refresh_from_db()
    assert letter.delivered_on == today
    assert [e.data["method"] for e in _events(letter, "letter.dispatched")] == ["printed", "mailed", "mail_received"]


def test_an_unissued_letter_cannot_be_dispatched(
    letterhead: Any, file_case: Callable[..., Any], approver: Any, caseworker: Any
) -> None:
    letter = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    with pytest.raises(Conflict):
        actions.do_record_dispatch(letter, method="printed", date=timezone.localdate(), actor=caseworker)


def test_a_failed_letter_can_be_retried(
    letterhead: Any, file_case: Callable[..., Any], approver: Any, caseworker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from letters import rendering

    letter = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    monkeypatch.setattr(rendering, "cjk_font_families", lambda: frozenset())
    with pytest.raises(rendering.MissingFonts):
        render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and "fonts-noto-cjk" in letter.error
    monkeypatch.undo()
    jobs = _jobs()
    actions.do_retry_letter(letter, actor=caseworker)
    assert _jobs() == jobs + 1
    render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED and letter.error == ""


def test_the_database_worker_issues_a_requested_letter(
    letterhead: Any, file_case: Callable[..., Any], approver: Any
) -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("the worker closes the test's connection; test_postgres.py runs this in a transactional test")
    letter = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    letter.refresh_from_db()
    assert letter.status == Status.ISSUED, letter.error
    job = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert job.status == "SUCCESSFUL" and job.return_value == letter.sha256
