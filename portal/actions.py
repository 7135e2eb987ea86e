"""What the public pages do: text a one-time code, open a case's public view, rate it.

Nothing here tells a guesser whether a case exists: a wrong reference, a wrong ID suffix and a
case without a phone on file all get the same answer, and all count toward the same lock
(``portal.throttle``).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.log import record
from cases.actions import do_add_attachment, do_file_case, do_rate_case
from cases.models import Case, Channel, Kind, Rating, RatingSource
from cases.tracking import normalise
from core.errors import TooManyTries
from notifications.secret_texts import text_sealed
from subjects import ids
from subjects.actions.proxies import proxy_in_force
from subjects.models import ProxyScope, Subject

from . import throttle
from .models import TrackingCode

CODE_EVENT = "portal.code"
CODE_LIFETIME = datetime.timedelta(minutes=5)
RESEND_AFTER = datetime.timedelta(seconds=60)
CODE_TRIES = 5

_LAST6 = re.compile(r"^[0-9]{5}[0-9X]$")
_SMS_CODE = re.compile(r"^[0-9]{6}$")


def _digest(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"portal.{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def clean_reference(ref: str) -> str:
    """The reference as typed, trimmed and in upper case (a case number keeps its dashes)."""
    ref = (ref or "").strip().upper()
    if not normalise(ref) or len(ref) > 32:
        raise ValidationError({"case": [_("Enter the case number or the query code from your SMS or notice.")]})
    return ref


def clean_last6(id_last6: str) -> str:
    last6 = (id_last6 or "").strip().upper()
    if not _LAST6.match(last6):
        raise ValidationError(
            {"id_last6": [_("Enter the last six characters of your ID number: six digits, or five and an X.")]}
        )
    return last6


def clean_sms_code(code: str) -> str:
    code = (code or "").strip()
    if not _SMS_CODE.match(code):
        raise ValidationError({"sms_code": [_("Enter the six-digit code from the SMS.")]})
    return code


def find_case(ref: str) -> Case | None:
    """The case whose number or 查询码 is ``ref`` (as :func:`clean_reference` left it), or ``None``."""
    return (
        Case.objects.select_related("subject").filter(number=ref).first()
        or Case.objects.select_related("subject").filter(query_code=normalise(ref)).first()
    )


def _last6_of(case: Case) -> str:
    try:
        return ids.decrypt(case.subject.id_number_encrypted)[-6:].upper()
    except ValueError:
        return ""


def _keys(ref: str, case: Case | None) -> list[str]:
    keys = [throttle.key("ref", normalise(ref))]
    if case is not None:
        keys.append(throttle.key("case", str(case.pk)))
        phone = (case.subject.phone or "").strip()
        if phone:
            keys.append(throttle.key("phone", phone))
    return keys


def _matches(case: Case | None, last6: str) -> bool:
    return case is not None and hmac.compare_digest(_last6_of(case), last6)


def _opens(target: Case | Subject) -> dict[str, Any]:
    """The code row's filter for what it opens: a case (tracking) or a person."""
    return {"case": target} if isinstance(target, Case) else {"subject": target}


def _code_key(target: Case | Subject, code: str) -> str:
    return f"{target.pk}:{code}" if isinstance(target, Case) else f"s{target.pk}:{code}"


def _text_code(target: Case | Subject, phone: str, *, data: dict[str, Any]) -> None:
    """Text a new one-time code for ``target`` (at most one a minute: the earlier code still works)."""
    now = timezone.now()
    with transaction.atomic():
        recent = TrackingCode.objects.filter(**_opens(target), used_at__isnull=True, created_at__gt=now - RESEND_AFTER)
        if recent.exists():
            return
        code = f"{secrets.randbelow(10**6):06d}"
        row = TrackingCode.objects.create(
            **_opens(target),
            code_digest=_digest("code", _code_key(target, code)),
            phone_digest=_digest("phone", phone),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        text_sealed(
            CODE_EVENT,
            phone=phone,
            secrets={"code": code},
            until=row.expires_at,
            dedupe_key=f"{CODE_EVENT}:{row.pk}",
            division_code=target.division_id,
        )
        record(event_type="portal.code_sent", actor=None, obj=target, data=data, actor_role="")


def _try_code(target: Case | Subject, code: str, now: datetime.datetime) -> bool:
    """Spend one try of the latest live code for ``target``; True (and the code used up) when it matches."""
    with transaction.atomic():
        row = (
            TrackingCode.objects.select_for_update()
            .filter(**_opens(target), used_at__isnull=True, expires_at__gt=now, tries__lt=CODE_TRIES)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            return False
        ok = hmac.compare_digest(row.code_digest, _digest("code", _code_key(target, code)))
        row.tries += 1
        if ok:
            row.used_at = now
        row.save(update_fields=["tries", "used_at"])
        return ok


def do_send_tracking_code(*, ref: str, id_last6: str) -> None:
    """Text a one-time code to the phone on file when the reference and the ID suffix match.

    The caller answers the same whatever happened here; only a lock (too many tries) shows.
    """
    ref, last6 = clean_reference(ref), clean_last6(id_last6)
    case = find_case(ref)
    keys = _keys(ref, case)
    if throttle.is_locked(keys):
        raise TooManyTries
    if not _matches(case, last6) or case is None:
        throttle.failed(keys)
        return
    phone = (case.subject.phone or "").strip()
    if phone:
        _text_code(case, phone, data={"number": case.number})


def do_open_tracking(*, ref: str, id_last6: str, sms_code: str, via: str) -> Case:
    """The case, once the reference, the ID suffix and the texted code all match; each opening recorded.

    Any mismatch is the same field error on ``sms_code``; five lock the case, the phone and the
    reference for 15 minutes (429).
    """
    ref, last6, code = clean_reference(ref), clean_last6(id_last6), clean_sms_code(sms_code)
    case = find_case(ref)
    keys = _keys(ref, case)
    if throttle.is_locked(keys):
        raise TooManyTries
    now = timezone.now()
    if case is None or not _matches(case, last6) or not _try_code(case, code, now):
        throttle.failed(keys)
        raise ValidationError(
            {"sms_code": [_("The details do not match, or the code has expired. Check them, or ask for a new code.")]}
        )
    throttle.succeeded(keys)
    record(
        event_type="portal.case_viewed", actor=None, obj=case, data={"number": case.number, "via": via}, actor_role=""
    )
    return case


def do_record_download(case: Case, *, letter_number: str) -> None:
    record(
        event_type="portal.letter_downloaded",
        actor=None,
        obj=case,
        data={"number": case.number, "letter": letter_number},
        actor_role="",
    )


def do_rate_from_public_page(case: Case, *, score: int, comment: str = "") -> Rating:
    """The person rates the handling of their closed case on the public page."""
    return do_rate_case(case, score=score, comment=comment, source=RatingSource.PUBLIC, actor=None)


# --- a person, by their full ID number (the access log, declarations) -----------------------


def clean_id_number(raw: str) -> str:
    try:
        return ids.validate(raw or "", check_division=False).number
    except ids.InvalidIdNumber as exc:
        raise ValidationError({"id_number": exc.messages}) from None


def find_person(number: str) -> Subject | None:
    return Subject.objects.filter(id_number_hmac=ids.blind_index(number), merged_into__isnull=True).first()


def _person_keys(number: str, subject: Subject | None) -> list[str]:
    keys = [throttle.key("person", number)]
    if subject is not None:
        keys.append(throttle.key("subject", str(subject.pk)))
        phone = (subject.phone or "").strip()
        if phone:
            keys.append(throttle.key("phone", phone))
    return keys


def do_send_person_code(*, id_number: str) -> None:
    """Text a one-time code to the person's phone on file (the same answer whether or not they are on file)."""
    number = clean_id_number(id_number)
    subject = find_person(number)
    keys = _person_keys(number, subject)
    if throttle.is_locked(keys):
        raise TooManyTries
    if subject is None:
        throttle.failed(keys)
        return
    phone = (subject.phone or "").strip()
    if phone:
        _text_code(subject, phone, data={"for": "person"})


def do_check_person(*, id_number: str, sms_code: str, purpose: str) -> Subject:
    """The person, once their full ID number and the texted code match; recorded with its purpose."""
    number, code = clean_id_number(id_number), clean_sms_code(sms_code)
    subject = find_person(number)
    keys = _person_keys(number, subject)
    if throttle.is_locked(keys):
        raise TooManyTries
    if subject is None or not _try_code(subject, code, timezone.now()):
        throttle.failed(keys)
        raise ValidationError(
            {"sms_code": [_("The details do not match, or the code has expired. Check them, or ask for a new code.")]}
        )
    throttle.succeeded(keys)
    record(event_type="portal.person_identified", actor=None, obj=subject, data={"for": purpose}, actor_role="")
    return subject


# --- declarations of a change (the seed's self-declaration channel) ---------------------------

DECLARABLE = {
    "phone": "phone",
    "address": "hukou_address",
    "death": "status",
}
ERROR_FIELDS = ("name", "hukou_address", "phone", "service_start", "service_end", "service_unit", "service_number")
PUBLIC_DOOR_USERNAME = "public-door"


def public_door_user() -> User:
    """The account a declaration is filed under: it cannot sign in (inactive) and receives nothing."""
    user, _created = User.objects.get_or_create(
        username=PUBLIC_DOOR_USERNAME,
        defaults={"is_active": False, "first_name": "公众自助申报"},
    )
    return user


def do_declare_change(
    subject: Subject,
    *,
    change: str,
    value: str,
    details: str,
    declarant: str = "",
    relation: str = "",
    field: str = "",
    files: Iterable[Any] = (),
) -> Case:
    """A declared change arrives as a data-correction case in the person's county queue.

    Nothing in the register changes until that case is approved. ``declarant``/``relation``:
    a family member declaring for a deceased person, or a helper (代办).
    """
    errors: dict[str, list[str]] = {}
    value, details = (value or "").strip(), (details or "").strip()
    if change == "error":
        if field not in ERROR_FIELDS:
            errors["field"] = [_("Choose which item of the record is wrong.")]
        target = field
    elif change in DECLARABLE:
        target = DECLARABLE[change]
    else:
        errors["change"] = [_("Choose what changed: telephone, address, a death, or an error in the record.")]
        target = ""
    if change == "death":
        value = "deceased"
    elif not value:
        errors["value"] = [_("Give the new or correct value.")]
    if not details:
        errors["details"] = [_("Describe the change and what proves it (for a death: the date and the certificate).")]
    if len(details) > 2000 or len(value) > 255:
        errors.setdefault("details", []).append(_("Keep the text shorter (at most 2000 characters)."))
    on_behalf = declarant.strip()
    if on_behalf and change != "death":
        # A helper declares for a living person only under an authorisation in force (代办).
        proxy = proxy_in_force(subject, name=on_behalf, scope=ProxyScope.DECLARE)
        if proxy is None:
            errors["declarant"] = [
                _("%(name)s has no authorisation in force to declare changes for this person. Ask the county bureau.")
                % {"name": on_behalf}
            ]
        else:
            relation = proxy.relation
    files = list(files)
    if len(files) > 5:
        errors["files"] = [_("Attach at most 5 files.")]
    if errors:
        raise ValidationError(errors)
    door = public_door_user()
    with transaction.atomic():
        case = do_file_case(
            subject,
            kind=Kind.DATA_CORRECTION,
            title=str(_("Declared by the person: %(what)s") % {"what": DECLARATION_TITLES.get(change, change)}),
            actor=door,
            description=details,
            channel=Channel.ONLINE,
            agent_name=on_behalf[:64],
            agent_relation=relation.strip()[:64],
            corrections={target: value},
            evidence=details,
            duplicate_action="continue",
        )
        for upload in files:
            do_add_attachment(case, upload=upload, actor=door)
        record(
            event_type="portal.change_declared",
            actor=None,
            obj=case,
            data={"number": case.number, "change": change, "on_behalf": bool(on_behalf), "files": len(files)},
            actor_role="",
        )
    return case


DECLARATION_TITLES = {
    "phone": gettext_lazy("new telephone number"),
    "address": gettext_lazy("new address"),
    "death": gettext_lazy("a death"),
    "error": gettext_lazy("an error in the record"),
}


def open_objection_case(objection: Any) -> tuple[int, str]:
    """A 公示 objection (``benefits.notices``) becomes a case in the county's queue, about the person
    on the objected row, naming the notice and the row (registered in ``PortalConfig.ready``)."""
    entry = objection.entry
    notice = objection.notice
    case = do_file_case(
        entry.subject,
        kind=Kind.GRIEVANCE,
        title=str(
            _("Objection to public notice No. %(notice)d, row %(row)d") % {"notice": notice.pk, "row": entry.row}
        )[:200],
        actor=public_door_user(),
        description=str(
            _("Notice: %(title)s (published %(published)s, window until %(ends)s). Row %(row)d: %(name)s, %(benefit)s.")
            % {
                "title": notice.title,
                "published": notice.published_on,
                "ends": notice.ends_on,
                "row": entry.row,
                "name": entry.masked_name,
                "benefit": entry.benefit,
            }
        )
        + "\n\n"
        + objection.text,
        channel=Channel.ONLINE,
        agent_name=objection.objector[:64],
        agent_relation=str(_("objector to a public notice"))[:64],
        agent_contact=objection.contact[:64],
        duplicate_action="continue",
    )
    return case.pk, case.number
