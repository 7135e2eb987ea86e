"""The registry of letter kinds, and how letters reach the case a letter is about.

``letters`` owns the mechanism — numbering, the issuing authority, the data snapshot's frame,
rendering, signing, verification, dispatch — and knows nothing of what a case is. The app whose
objects the letters are about (``cases``: ``Letter.case``) fills this registry in its
``AppConfig.ready()`` (``cases/letters.py``):

- ``register_kind(LetterKind(...))`` once per kind of letter: its code (stored in
  ``Letter.kind``), its labels, the PDF template, the content of its data snapshot (which
  refuses a case that cannot have this letter), which kinds are issued once per case, who may
  request or correct it, and what happens when it is issued;
- ``register_case_source(CaseSource(access=..., lock=...))``: how the per-case pages and API
  find a case the user may see, and how an action locks one;
- ``register_document_source(lookup)``: documents that are not letters about a case but are
  numbered, sealed, signed and verified the same way (``reports``: the reports a county or a
  province submits up the chain), so that the public verification page finds them too.

Nothing here imports a higher app: the registry is filled from above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from .models import Letter

# Permission codenames (granted by jurisdictions' roles) that letters check.
HANDLE = "handle_cases"
APPROVE = "approve_cases"


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter, as registered by the app that issues it.

    ``snapshot(case, details)`` returns the kind's part of the letter's data snapshot — at least
    ``subject`` (``name``, ``name_masked``, ``id_masked``) and ``case`` (``number``,
    ``kind_label``), which every letter prints — or raises ``ValidationError`` when the case
    cannot have this letter (then no number is taken). ``one_in_force_among``: a case has at
    most one letter in force among these kinds (this one included); empty for "any number".
    ``may_request``: a caseworker may request it by hand on the case's letters page.
    ``on_issued(letter)`` runs inside the transaction that marks the letter issued.
    """

    code: str
    label: StrOrPromise
    title: str  # printed on the letter (official documents are in Chinese only)
    template: str  # extends "letters/pdf/base.html"
    snapshot: Callable[[Any, dict[str, Any]], dict[str, Any]]
    one_in_force_among: tuple[str, ...] = ()
    may_request: bool = False
    supersede_permission: str = HANDLE
    on_issued: Callable[[Letter], None] | None = None


@dataclass(frozen=True)
class CaseSource:
    """How letters reach the case (``Letter.case``) of a letter.

    ``access(user, case_id, *, codename=None)``: the case, 404 outside the user's jurisdiction,
    403 when visible but ``codename`` is not held there. ``lock(case_id)``: the case, row-locked
    in the current transaction.
    """

    access: Callable[..., Any]
    lock: Callable[[int], Any]


_kinds: dict[str, LetterKind] = {}
_case_source: list[CaseSource] = []


def register_kind(kind: LetterKind) -> None:
    """Register a kind of letter (from the issuing app's ``AppConfig.ready()``); once per code."""
    existing = _kinds.get(kind.code)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"The letter kind {kind.code!r} is already registered.")
    _kinds[kind.code] = kind


def unregister_kind(code: str) -> None:
    """Forget a kind (for tests that register one of their own)."""
    _kinds.pop(code, None)


def get(code: str) -> LetterKind:
    """The registered kind ``code``; a ``ValidationError`` (400) for an unknown one."""
    kind = _kinds.get(code)
    if kind is None:
        raise ValidationError({"kind": _("Unknown kind of letter.")})
    return kind


def all_kinds() -> list[LetterKind]:
    """The registered kinds, in the order they were registered."""
    return list(_kinds.values())


def choices() -> list[tuple[str, Any]]:
    """``Letter.kind``'s choices: every registered kind (a callable, evaluated when used)."""
    return [(kind.code, kind.label) for kind in _kinds.values()]


def requestable_choices() -> list[tuple[str, Any]]:
    """The kinds a caseworker may request by hand (the case's letters page)."""
    return [(kind.code, kind.label) for kind in _kinds.values() if kind.may_request]


def title_of(code: str) -> str:
    kind = _kinds.get(code)
    return kind.title if kind is not None else code


def register_case_source(source: CaseSource) -> None:
    """Say how letters reach a case (from the cases app's ``AppConfig.ready()``)."""
    _case_source[:] = [source]


def case_source() -> CaseSource:
    if not _case_source:
        raise ImproperlyConfigured("No app has told letters how to reach a case (register_case_source).")
    return _case_source[0]


def access_case(user: Any, case_id: Any, *, codename: str | None = None) -> Any:
    """The case ``case_id`` if ``user`` may see it (404) and, with ``codename``, act on it (403)."""
    return case_source().access(user, case_id, codename=codename)


def lock_case(case_id: int) -> Any:
    """The case ``case_id``, row-locked in the current transaction."""
    return case_source().lock(case_id)


@dataclass(frozen=True)
class IssuedDocument:
    """What the public verification page shows of a document issued outside ``Letter``.

    ``addressee``: to whom it was sent (a masked name, or the body a report went up to).
    ``superseded_by``: the number of the document that replaced it, if any.
    """

    number: str
    title: str
    bureau: str
    issued_on: str
    addressee: str
    sha256: str
    superseded_by: str = ""


_document_sources: list[Callable[[str], IssuedDocument | None]] = []


def register_document_source(lookup: Callable[[str], IssuedDocument | None]) -> None:
    """Let the verification page find another app's documents by code (from its ``AppConfig.ready()``)."""
    if lookup not in _document_sources:
        _document_sources.append(lookup)


def find_document(code: str) -> IssuedDocument | None:
    """The registered apps' document with this (normalised) verification code, if any."""
    for lookup in _document_sources:
        found = lookup(code)
        if found is not None:
            return found
    return None
