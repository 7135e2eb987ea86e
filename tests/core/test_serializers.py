"""Request-body serializers that build their fields once per thread (core.serializers)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rest_framework import serializers

from core.serializers import ReusedFieldsSerializer


class Body(ReusedFieldsSerializer):
    result = serializers.ChoiceField(choices=[("yes", "yes"), ("no", "no")])
    note = serializers.CharField(required=False, default="", max_length=5)
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    who = serializers.SerializerMethodField()

    def get_who(self, obj: Any) -> Any:
        return self.context.get("who")


def test_each_body_is_validated_on_its_own_though_the_fields_are_shared() -> None:
    bad = Body(data={"result": "maybe", "note": "far too long", "ids": [0]})
    assert not bad.is_valid()
    assert set(bad.errors) == {"result", "note", "ids"}
    good = Body(data={"result": "yes", "ids": [3]})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"result": "yes", "note": "", "ids": [3]}
    assert good.fields is not None and good.fields["result"] is bad.fields["result"]  # built once


def test_the_shared_fields_belong_to_the_newest_body_and_read_its_context() -> None:
    Body(data={}, context={"who": "first"}).fields  # noqa: B018 (builds the fields)
    second = Body(data={}, context={"who": "second"})
    assert all(field.parent is second for field in second.fields.values())
    assert second.fields["who"].context == {"who": "second"}


def test_another_thread_builds_its_own_fields() -> None:
    here = Body(data={}).fields["result"]
    there: list[Any] = []
    worker = threading.Thread(target=lambda: there.append(Body(data={}).fields["result"]))
    worker.start()
    worker.join()
    assert there and there[0] is not here


def test_a_list_of_bodies_is_refused() -> None:
    with pytest.raises(TypeError):
        Body(data=[{}], many=True)
