"""django-fsm-2 models that refresh safely under a threaded server.

``django_fsm.FSMModelMixin.refresh_from_db`` lifts the protection of protected state fields by
switching ``field.protected`` off and on again, on the field object that every instance of the
model shares. Under a threaded server (gunicorn's gthread workers) one request's refresh switches
it back on while another's is half-way: that one fails with "Direct status modification is not
allowed" (a 500), and meanwhile any thread could assign the state directly. The concurrency bench
found it (``bench/bench_concurrency.py``).

:class:`FSMModelMixin` here refreshes without the switch: the descriptor refuses an assignment
only when the instance already holds a value, so the values being reloaded are dropped from this
instance first, and nothing shared is changed.
"""

from __future__ import annotations

from typing import Any

import django_fsm


class FSMModelMixin(django_fsm.FSMModelMixin):
    """``django_fsm.FSMModelMixin`` whose ``refresh_from_db`` changes nothing shared between threads."""

    def refresh_from_db(self, using: Any = None, fields: Any = None, from_queryset: Any = None) -> None:
        dropped = {
            field.name: self.__dict__.pop(field.name)
            for field in self._meta.concrete_fields
            if isinstance(field, django_fsm.FSMFieldMixin) and field.protected and field.name in self.__dict__
        }
        try:
            # Past django_fsm.FSMModelMixin (its class-wide switch) to the next refresh_from_db in line.
            super(django_fsm.FSMModelMixin, self).refresh_from_db(
                using=using, fields=fields, from_queryset=from_queryset
            )
        finally:
            for name, value in dropped.items():
                self.__dict__.setdefault(name, value)  # not reloaded: the value it had
