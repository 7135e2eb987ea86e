"""Quality review's step kind (``core.steps``): a drawn decision waiting for its finding is a task in
the lists of the supervisors at the level above the decision who took no part in it (``/api/v1/tasks/``,
the inbox, the workbench counts), worked on the review's page. It replaces the workbench panel and the
inbox's "other work" panel of reviews waiting."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import steps
from jurisdictions.perms import SUPERVISE

from .actions import STEP


def _title(params: dict[str, Any]) -> str:
    return gettext("Decision %(case)s (drawn for %(month)s)") % {
        "case": params.get("case", ""),
        "month": params.get("month", ""),
    }


def _url(task: Any) -> str:
    return reverse("quality:review", args=[task.process.artifact_object_id])


def register() -> None:
    steps.register(steps.StepKind(name=STEP, codename=SUPERVISE, label=_("Quality review"), title=_title, url=_url))
