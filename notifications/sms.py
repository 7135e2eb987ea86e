"""SMS gateways: one small interface, a file backend for the demo and tests, an HTTP adapter for production.

Choose with ``LAUREL_SMS_BACKEND`` (dotted path). Every gateway receives a ``message_id``
derived from the delivery's dedupe key and must treat a repeated id as already delivered:
that is what makes a crash-retry (a worker killed after sending, before recording it) reach
the receiver once.

HTTP adapter (``notifications.sms.HttpSmsGateway``): ``POST`` to ``LAUREL_SMS_HTTP_URL`` with
``Authorization: Bearer <LAUREL_SMS_HTTP_TOKEN>``, ``Idempotency-Key: <message_id>`` and the
JSON body ``{"to": "<phone>", "text": "<text>", "id": "<message_id>"}``; any 2xx answer is
success, anything else (or a timeout of ``LAUREL_SMS_HTTP_TIMEOUT`` seconds) raises
:class:`SmsError` and the outbox retries. A gateway that speaks another protocol gets its own
small class with the same ``send`` method.
"""

from __future__ import annotations

import fcntl
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway refused or could not be reached; the delivery will be retried."""


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, *, message_id: str) -> None: ...


class FileSmsGateway:
    """Appends one JSON line per message to ``LAUREL_SMS_LOG`` (the demo's and the tests' "phone").

    Repeated ``message_id``\\s are dropped, like a gateway with idempotency keys.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.LAUREL_SMS_LOG)

    def send(self, phone: str, text: str, *, message_id: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # two workers at once still see each other's ids
            handle.seek(0)
            for line in handle:
                if line.strip() and json.loads(line).get("id") == message_id:
                    return
            entry = {"id": message_id, "to": phone, "text": text, "at": timezone.now().isoformat()}
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def messages(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


class HttpSmsGateway:
    """A JSON-over-HTTPS gateway (see the module docstring for the protocol)."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None) -> None:
        self.url = url if url is not None else settings.LAUREL_SMS_HTTP_URL
        self.token = token if token is not None else settings.LAUREL_SMS_HTTP_TOKEN
        self.timeout = timeout if timeout is not None else settings.LAUREL_SMS_HTTP_TIMEOUT
        if not self.url:
            raise SmsError("LAUREL_SMS_HTTP_URL is not set.")

    def send(self, phone: str, text: str, *, message_id: str) -> None:
        body = json.dumps({"to": phone, "text": text, "id": message_id}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's configured gateway)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS gateway answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS gateway unreachable: {exc}") from None
        if not 200 <= status < 300:
            raise SmsError(f"SMS gateway answered {status}")


def gateway() -> SmsGateway:
    return import_string(settings.LAUREL_SMS_BACKEND)()
