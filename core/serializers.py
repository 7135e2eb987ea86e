"""Request-body serializers whose fields are built once per thread (the task completion's body).

DRF deep-copies a serializer's declared fields for every instance: each field is constructed
again from its arguments (choices flattened, validators made). For a body with many optional
fields that is most of what validating it costs (about half a millisecond per request for the
task completion's 17 fields). :class:`ReusedFieldsSerializer` keeps the fields one instance bound
and hands them to the next instance of the same class in the same thread, pointing them at it:
validation keeps no state on a field, and the fields read nothing from their parent but the
context (through ``root``), which is then the new instance's.

Only for serializers that validate one request body at a time (never ``many=True``, never nested,
never two alive at once in a thread); output serializers keep DRF's copies.
"""

from __future__ import annotations

import threading
from typing import Any

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_bound = threading.local()


class ReusedFieldsSerializer(serializers.Serializer):
    @property
    def fields(self) -> BindingDict:
        own: BindingDict | None = self.__dict__.get("_reused_fields")
        if own is not None:
            return own
        by_class: dict[type, BindingDict] = _bound.__dict__.setdefault("by_class", {})
        fields = by_class.get(type(self))
        if fields is None:
            fields = BindingDict(self)
            for key, value in self.get_fields().items():
                fields[key] = value
            by_class[type(self)] = fields
        else:
            fields.serializer = self
            for field in fields.values():
                field.parent = self
        self.__dict__["_reused_fields"] = fields
        return fields

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} validates one request body (many=True is not supported)")
