"""Gap-free counters (case numbers, letter numbers): one locked row per key, incremented in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction


def next_value(model: type[models.Model], **key: Any) -> int:
    """Increment and return the ``last`` value of ``model``'s row for ``key``, creating it at 0 when absent.

    Call inside the transaction that uses the number: the row stays locked until it commits,
    so numbers are gap-free and never given twice; a rollback gives the number back.
    """
    manager: Any = model._default_manager
    counter = manager.select_for_update().filter(**key).first()
    if counter is None:
        try:
            with transaction.atomic():
                manager.create(**key, last=0)
        except IntegrityError:
            pass  # created concurrently: lock theirs
        counter = manager.select_for_update().get(**key)
    counter.last += 1
    counter.save(update_fields=["last"])
    return int(counter.last)
