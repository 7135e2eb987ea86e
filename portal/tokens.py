"""The short-lived pass a person gets once their identity was checked: downloads and rating, 30 minutes."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from core.errors import NotFound

SALT = "laurel.portal.pass"
MAX_AGE = 30 * 60


def issue(case_id: int) -> str:
    return signing.dumps({"c": case_id}, salt=SALT, compress=True)


def case_id_of(token: str) -> int:
    """The case a pass opens; 404 with a plain message once it expired or was altered."""
    try:
        data: Any = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        return int(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This page has expired. Look up your case again.")) from None


PERSON_SALT = "laurel.portal.person-pass"


def issue_person(subject_id: int) -> str:
    return signing.dumps({"s": subject_id}, salt=PERSON_SALT, compress=True)


def subject_id_of(token: str) -> int:
    try:
        data: Any = signing.loads(token, salt=PERSON_SALT, max_age=MAX_AGE)
        return int(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This page has expired. Start again.")) from None
