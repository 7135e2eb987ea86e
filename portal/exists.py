"""Another department's yes/no question about the register (minimal disclosure, PIPL Art. 34).

Each department may ask only the questions its agreement lists (``LAUREL_EXISTS_AGREEMENTS``:
``{"civil_affairs": ["registered", "receives"], …}``; ``"*"`` for every department): whether the
person is registered, and which benefit types they receive. Never a name, an address or an
amount. Every question is recorded with the department, its purpose and the answer's shape.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit.log import record
from core.errors import Forbidden
from subjects import ids
from subjects.models import BenefitStatus, Subject

QUESTIONS = ("registered", "receives")


def allowed_questions(department: str) -> list[str]:
    agreements: dict[str, list[str]] = settings.LAUREL_EXISTS_AGREEMENTS
    found = agreements.get(department, agreements.get("*", []))
    return [q for q in QUESTIONS if q in found]


def answer_exists(*, department: str, id_number: str, purpose: str, token_prefix: str = "") -> dict[str, Any]:
    """``{"registered": bool}`` and, when the agreement allows it, ``"receives": [benefit type codes]``."""
    questions = allowed_questions(department)
    if "registered" not in questions:
        raise Forbidden(_("Your department has no agreement to ask this question of the register."))
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError({"purpose": [_("State why your department asks (it is recorded).")]})
    try:
        info = ids.validate(id_number, check_division=False)
    except ids.InvalidIdNumber as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    subject = (
        Subject.objects.filter(id_number_hmac=ids.blind_index(info.number))
        .only("pk", "division_id", "county_code")
        .first()
    )
    answer: dict[str, Any] = {"registered": subject is not None}
    if "receives" in questions:
        answer["receives"] = (
            sorted(set(subject.benefits.filter(status=BenefitStatus.ACTIVE).values_list("benefit_type", flat=True)))
            if subject is not None
            else []
        )
    record(
        event_type="subject.existence_checked",
        actor=None,
        obj=subject,
        division_code=subject.division_id if subject else "",
        data={
            "department": department,
            "token": token_prefix,
            "purpose": purpose[:200],
            "questions": questions,
            "registered": subject is not None,
        },
        actor_role="",
    )
    return answer
