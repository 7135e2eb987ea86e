"""Secrets an outbox row must carry for a short while (a one-time sign-in link): sealed, dated, wiped.

Most texts carry no secret: the SMS wording is fixed (``notifications.events``). A new member of
staff's one-time link is the exception: it has to reach the phone, and the worker that sends it
runs later, in another process, so the outbox row must carry it. Three rules keep it safe:

- **Sealed, never in clear.** The row's ``context["sealed"]`` holds ``{name: ciphertext}``,
  encrypted under the installation's profile (``core.crypto``: Fernet, or SM4 + HMAC-SM3 under
  国密) with a key derived from ``SECRET_KEY`` that never sits in the database. A database dump or
  backup taken while the row waits shows only ciphertext.
- **Opened only to send.** :func:`open_sealed` decrypts in the worker, just before the gateway
  call; the clear text lives in memory and in the message itself, nowhere else (never in
  ``last_error``, logs or the audit trail).
- **Wiped as soon as it is not needed.** The sealed values are removed when the message is sent,
  when the secret's ``sealed_until`` passes (the link has expired: the sweep wipes it and a
  waiting row is skipped), when it cannot be opened (the key changed), and when a newer link
  replaces it (``notifications.initial_links``). A failed or dead row keeps it until then, so an
  administrator's retry still sends a working link.
"""

from __future__ import annotations

import base64
import datetime
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import crypto

from .models import Delivery, DeliveryStatus

SEALED = "sealed"
UNTIL = "sealed_until"
_LABEL = b"laurel.notifications.sealed-outbox-secrets"
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.DEAD, DeliveryStatus.HELD)


def _cipher() -> Fernet | crypto.Sm4Key:
    raw = hmac.new(settings.SECRET_KEY.encode(), _LABEL, crypto.hash_name()).digest()[:32]
    key = base64.urlsafe_b64encode(raw)
    return crypto.Sm4Key(key) if crypto.profile() == "gm" else Fernet(key)


def seal(values: dict[str, str], *, until: datetime.datetime) -> dict[str, Any]:
    """The context entries that carry ``values`` sealed until ``until`` (merge them into a row's context)."""
    cipher = _cipher()
    return {
        SEALED: {name: cipher.encrypt(value.encode()).decode("ascii") for name, value in values.items()},
        UNTIL: until.isoformat(),
    }


def is_sealed(context: dict[str, Any]) -> bool:
    return bool(context.get(SEALED))


def expired(context: dict[str, Any], now: datetime.datetime | None = None) -> bool:
    until = parse_datetime(str(context.get(UNTIL, "")))
    return until is None or until <= (now or timezone.now())


def open_sealed(context: dict[str, Any], now: datetime.datetime | None = None) -> dict[str, str] | None:
    """The clear values of a row's sealed secrets; None when they expired or cannot be opened."""
    if expired(context, now):
        return None
    cipher = _cipher()
    try:
        return {name: cipher.decrypt(token.encode("ascii")).decode() for name, token in context[SEALED].items()}
    except (InvalidToken, AttributeError, UnicodeError):
        return None


def wiped(context: dict[str, Any]) -> dict[str, Any]:
    """``context`` without its sealed secrets (their expiry stays, as a record of what was sent)."""
    return {key: value for key, value in context.items() if key != SEALED}


def wipe(delivery_ids: list[int], *, skip_waiting: bool) -> int:
    """Remove the sealed secrets of these rows; with ``skip_waiting`` rows not yet sent are skipped."""
    count = 0
    with transaction.atomic():
        for row in Delivery.objects.select_for_update().filter(pk__in=delivery_ids):
            if not is_sealed(row.context):
                continue
            row.context = wiped(row.context)
            fields = ["context"]
            if skip_waiting and row.status in WAITING:
                row.status = DeliveryStatus.SKIPPED
                fields.append("status")
            row.save(update_fields=fields)
            count += 1
    return count


def wipe_expired(now: datetime.datetime | None = None) -> int:
    """Wipe every sealed secret whose time is over (from the outbox sweep); waiting rows are skipped."""
    now = now or timezone.now()
    # Only rows not sent yet can still hold one (sending wipes it): the status index keeps this cheap.
    waiting = Delivery.objects.filter(status__in=[*WAITING, DeliveryStatus.SENDING], context__has_key=SEALED)
    rows = waiting.values_list("pk", "context")
    return wipe([pk for pk, context in rows if expired(context, now)], skip_waiting=True)
