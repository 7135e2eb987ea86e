"""The process of a step (``core.steps``): start → one human task (``step``) → end.

Thin on purpose, as ``workflows.flows.CaseFlow``: the task is completed headlessly by the action of
the app that owns the work (``core.steps.close_step``); viewflow's own task pages are not mounted.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation


def not_served(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Steps are worked on their own apps' pages (``StepKind.url``)."""
    raise Http404


class StepFlow(flow.Flow):
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.begin).Next(this.step)
    step = flow.View(not_served).Next(this.end)
    end = flow.End()

    def begin(self, activation: Activation, data: dict[str, Any], about: models.Model) -> Any:
        activation.process.data = data
        activation.process.artifact = about
        return activation.process
