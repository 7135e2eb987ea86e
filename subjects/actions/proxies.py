"""代办: recording and ending a helper's authorisation to act for a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Actor, require_staff
from audit.log import record
from subjects.models import ProxyAuthorisation, ProxyScope, Subject

# An authorisation is renewed at least every three years (a practice, not a statute).
MAX_VALIDITY = dt.timedelta(days=3 * 366)
_SIGNATURES = {b"%PDF": "pdf", b"\xff\xd8\xff": "jpeg", b"\x89PNG": "png"}


def _form_kind(upload: Any) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    return next((kind for magic, kind in _SIGNATURES.items() if head.startswith(magic)), None)


@transaction.atomic
def do_record_proxy(
    subject: Subject,
    *,
    proxy_name: str,
    relation: str,
    scope: Iterable[str],
    valid_from: dt.date,
    valid_until: dt.date,
    signed_form: Any,
    actor: Actor,
    proxy_phone: str = "",
) -> ProxyAuthorisation:
    """Record who may act for the person, for what and until when, with the signed form (PDF, JPEG, PNG)."""
    errors: dict[str, list[str]] = {}
    proxy_name, relation = proxy_name.strip(), relation.strip()
    scope = sorted(set(scope))
    if not proxy_name:
        errors["proxy_name"] = [_("Give the helper's name.")]
    if not relation:
        errors["relation"] = [_("Give the helper's relation to the person (e.g. daughter, station staff).")]
    if not scope or set(scope) - set(ProxyScope.values):
        errors["scope"] = [_("Choose what the helper may do.")]
    if valid_until < valid_from:
        errors["valid_until"] = [_("The authorisation must end on or after the day it starts.")]
    elif valid_until - valid_from > MAX_VALIDITY:
        errors["valid_until"] = [_("An authorisation is valid for at most three years; renew it after that.")]
    if signed_form is None:
        errors["signed_form"] = [_("Upload the form the person signed.")]
    elif signed_form.size is not None and signed_form.size > settings.LAUREL_ATTACHMENT_MAX_BYTES:
        errors["signed_form"] = [_("The file is too large.")]
    elif _form_kind(signed_form) is None:
        errors["signed_form"] = [_("The signed form must be a PDF, JPEG or PNG file.")]
    if errors:
        raise ValidationError(errors)
    proxy = ProxyAuthorisation.objects.create(
        subject=subject,
        proxy_name=proxy_name,
        relation=relation,
        proxy_phone=proxy_phone.strip(),
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        signed_form=signed_form,
        recorded_by=require_staff(actor),
    )
    record(
        event_type="subject.proxy_recorded",
        actor=actor,
        obj=subject,
        data={"proxy": proxy.pk, "relation": relation, "scope": scope, "until": valid_until.isoformat()},
    )
    return proxy


@transaction.atomic
def do_end_proxy(proxy: ProxyAuthorisation, *, actor: Actor, reason: str) -> ProxyAuthorisation:
    proxy = ProxyAuthorisation.objects.select_for_update().get(pk=proxy.pk)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for ending the authorisation.")]})
    if proxy.ended_at is None:
        proxy.ended_at = timezone.now()
        proxy.save(update_fields=["ended_at"])
        record(
            event_type="subject.proxy_ended",
            actor=actor,
            obj=proxy.subject,
            data={"proxy": proxy.pk},
            reason=reason.strip()[:255],
        )
    return proxy


def proxy_in_force(subject: Subject, *, name: str, scope: str, on: dt.date | None = None) -> ProxyAuthorisation | None:
    """The helper ``name``'s authorisation for ``scope`` on the day, if one is in force."""
    on = on or timezone.localdate()
    for proxy in ProxyAuthorisation.objects.filter(
        subject=subject, proxy_name=name.strip(), ended_at__isnull=True, valid_from__lte=on, valid_until__gte=on
    ):
        if scope in proxy.scope:
            return proxy
    return None
