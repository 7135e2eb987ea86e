"""Commands and checks: requeue pending letters, the CJK font system check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from letters import actions, rendering
from letters.checks import cjk_fonts_installed
from letters.models import Letter


def test_requeue_letters_queues_only_letters_pending_for_a_while(
    letterhead: Any, file_case: Callable[..., Any], approver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    old = actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    actions.do_request_letter(file_case(), kind="acknowledgement", actor=approver)
    Letter.objects.filter(pk=old.pk).update(requested_at=timezone.now() - dt.timedelta(hours=1))
    jobs = DBTaskResult.objects.count()
    call_command("requeue_letters", minutes=10)
    assert DBTaskResult.objects.count() == jobs + 1
    assert "Queued 1 pending letter(s) again." in capsys.readouterr().out


def test_the_font_check_passes_here_and_warns_without_cjk_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cjk_fonts_installed() == []
    monkeypatch.setattr(rendering, "cjk_font_families", lambda: frozenset())
    [warning] = cjk_fonts_installed()
    assert warning.id == "letters.W001" and "fonts-noto-cjk" in (warning.hint or "")
