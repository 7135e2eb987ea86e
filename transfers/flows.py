"""A transfer's process: the sending county's approval → the receiving county's acceptance → end.

Thin on purpose, as ``workflows.flows.CaseFlow``: both human tasks are completed headlessly by
``transfers.actions`` (which lock the transfer, check its status and audit); the gateway only
reads the transfer's status.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation

from .models import Status, Transfer


def not_served(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """viewflow's own task pages are not mounted: tasks are worked through Laurel's pages and API."""
    raise Http404


def status_of(activation: Activation) -> str:
    return str(Transfer.objects.values_list("status", flat=True).get(process_id=activation.process.pk))


class TransferFlow(flow.Flow):
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_transfer).Next(this.transfer_release)
    transfer_release = flow.View(not_served).Next(this.after_release)
    after_release = flow.If(lambda a: status_of(a) == Status.RELEASED).Then(this.transfer_accept).Else(this.end)
    transfer_accept = flow.View(not_served).Next(this.end)
    end = flow.End()

    def start_transfer(self, activation: Activation, transfer: Transfer) -> Any:
        activation.process.data = {"transfer": transfer.pk, "subject": transfer.subject_id}
        return activation.process


def start_transfer_process(transfer: Transfer) -> Any:
    return TransferFlow.start.run(transfer=transfer)
