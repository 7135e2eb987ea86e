"""Documents attached to a case: adding one (stored by ``cases.storage``) and recording downloads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff
from audit.log import record

from .. import storage
from ..models import Attachment, Case, VerificationResult
from ._base import lock


def _too_large(limit: int) -> ValidationError:
    return ValidationError({"file": _("The file is larger than %(mb).0f MB.") % {"mb": limit / 1024 / 1024}})


@transaction.atomic
def do_add_attachment(
    case: Case, *, upload: Any, actor: Actor, verification: VerificationResult | None = None
) -> Attachment:
    """Store an uploaded document under a random name with its SHA-256 (PDF, JPEG, PNG; size-limited).

    ``verification``: the department's verification result this document is the reply of.
    """
    limit = settings.LAUREL_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    upload.seek(0)
    content_type = storage.sniff_content_type(upload.read(16))
    if content_type is None:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG documents can be attached.")})
    case = lock(case)
    try:
        stored = storage.store(upload, limit=limit)
    except storage.TooLarge:
        raise _too_large(limit) from None
    name = (getattr(upload, "name", "") or "document")[-200:]
    attachment = Attachment.objects.create(
        case=case,
        original_name=name,
        content_type=content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_name=stored.storage_name,
        uploaded_by=require_staff(actor),
        verification=verification,
    )
    data: dict[str, Any] = {"attachment": attachment.pk, "name": name, "sha256": attachment.sha256, "size": stored.size}
    if verification is not None:
        data["department"] = verification.department
    record(event_type="attachment.added", actor=actor, obj=case, data=data)
    return attachment


@transaction.atomic
def do_record_download(attachment: Attachment, *, actor: Actor, via: str = "") -> None:
    """Audit one reading of a document (``via``: "preview" when shown inside a page, e.g. a task form)."""
    data: dict[str, Any] = {"attachment": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256}
    if via:
        data["via"] = via
    record(event_type="attachment.downloaded", actor=actor, obj=attachment.case, data=data)
