"""Group petitions (集体访, Art. 20): one grievance, many petitioners, at most five representatives.

The case's person is the first petitioner; the others are people of the register or named people
whose national ID number is checked (``subjects.ids``: format, check digit, birth date, issuing
division) and kept only as its blind index and masked form (a number already in the register links
the person). A group visit (来访) must name its representatives, at most five (Art. 20); the
letters are addressed to the representatives. A request with one person stays a single petition
(no rows here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from subjects import ids
from subjects.models import Subject

from .models import Channel, Petition, Petitioner


def max_representatives() -> int:
    return int(getattr(settings, "LAUREL_PETITION_MAX_REPRESENTATIVES", 5))


@dataclass(frozen=True)
class Named:
    """One further petitioner as the caller gave it: a person of the register, or a name and ID number."""

    subject: Subject | None = None
    name: str = ""
    id_number: str = ""
    representative: bool = False


def build(subject: Any, others: list[Named], *, channel: str, representative: bool) -> list[Petitioner]:
    """The petitioner rows of a group (unsaved; empty for a single petitioner), or 400 naming the row."""
    if not others:
        return []
    rows = [
        Petitioner(
            subject=subject,
            name=subject.name,
            id_number_hmac=subject.id_number_hmac,
            id_number_masked=subject.id_number_masked,
            representative=representative,
            position=0,
        )
    ]
    errors: list[str] = []
    seen = {subject.id_number_hmac}
    for n, other in enumerate(others, start=2):
        person: Subject | None
        if other.subject is not None:
            person = other.subject
            name, index, masked = other.subject.name, other.subject.id_number_hmac, other.subject.id_number_masked
        else:
            name = " ".join(other.name.split())
            if not name:
                errors.append(_("Petitioner %(row)s: give the name.") % {"row": n})
                continue
            try:
                info = ids.validate(other.id_number)
            except ids.InvalidIdNumber:
                errors.append(
                    _("Petitioner %(row)s (%(name)s): the national ID number is not valid.") % {"row": n, "name": name}
                )
                continue
            index, masked = ids.blind_index(info.number), info.masked
            person = Subject.objects.filter(id_number_hmac=index).first()
        if index in seen:
            errors.append(_("Petitioner %(row)s (%(name)s) is listed twice.") % {"row": n, "name": name})
            continue
        seen.add(index)
        rows.append(
            Petitioner(
                subject=person,
                name=name,
                id_number_hmac=index,
                id_number_masked=masked,
                representative=other.representative,
                position=n - 1,
            )
        )
    if errors:
        raise ValidationError({"petitioners": errors})
    chosen = sum(1 for row in rows if row.representative)
    limit = max_representatives()
    if channel == Channel.VISIT and chosen > limit:
        raise ValidationError(
            {
                "petitioners": _(
                    "A group visit elects at most %(limit)s representatives (Art. 20 of the 信访工作条例);"
                    " %(count)s are named."
                )
                % {"limit": limit, "count": chosen}
            }
        )
    if channel == Channel.VISIT and chosen == 0:
        raise ValidationError(
            {
                "petitioners": _(
                    "A group visit elects representatives, at most %(limit)s (Art. 20 of the 信访工作条例): name them."
                )
                % {"limit": limit}
            }
        )
    return rows


def save(petition: Petition, rows: list[Petitioner]) -> None:
    for row in rows:
        row.petition = petition
    Petitioner.objects.bulk_create(rows)


def representatives(petition: Petition) -> list[Petitioner]:
    """To whom the letters are addressed: the representatives of a group (none for a single petitioner)."""
    return [row for row in petition.petitioners.all() if row.representative]


def parse_lines(text: str) -> list[Named]:
    """The registration form's list: one petitioner a line, ``姓名 身份证号`` and ``代表`` for a representative."""
    found = []
    for line in text.splitlines():
        parts = line.replace(",", " ").replace("，", " ").replace("、", " ").split()
        if not parts:
            continue
        representative = parts[-1] in ("代表", "representative")
        if representative:
            parts = parts[:-1]
        number = parts[-1] if len(parts) > 1 else ""
        name = " ".join(parts[:-1]) if len(parts) > 1 else " ".join(parts)
        found.append(Named(name=name, id_number=number, representative=representative))
    return found
