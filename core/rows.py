"""Model instances from rows of hand-written SQL, as the ORM would build them (hot paths only).

For a read that runs on every request or workflow step, compiling the ORM query costs more than
the read itself. :class:`Columns` lists the concrete columns of a model under a table alias once
(for the ``SELECT`` list) and turns the matching slice of a cursor row back into an instance with
each field's converters applied, exactly as ``QuerySet`` iteration does (``Model.from_db``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class Columns:
    """The concrete columns of ``model`` under ``alias`` (PostgreSQL/SQLite quoting of the default database)."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.sql = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        self.width = len(self.fields)
        self._pk = self.fields.index(model._meta.pk)
        self._names = [f.attname for f in self.fields]
        self._converters: list[tuple[Any, list[Any]]] | None = None

    def _prepared(self) -> list[tuple[Any, list[Any]]]:
        if self._converters is None:
            prepared = []
            for field in self.fields:
                col = field.get_col(self.model._meta.db_table)
                prepared.append((col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
            self._converters = prepared
        return self._converters

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance read from ``row[start:start + width]`` (``None`` when its primary key is NULL: outer join)."""
        values = row[start : start + self.width]
        if values[self._pk] is None:
            return None
        converted = []
        for (col, converters), value in zip(self._prepared(), values, strict=True):
            for converter in converters:
                value = converter(value, col, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self._names, converted)
