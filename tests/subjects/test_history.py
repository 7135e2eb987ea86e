"""Field-level history by PostgreSQL triggers: actions, bulk and raw-SQL updates; never the full number."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from subjects import ids, queries
from subjects.actions import do_update_subject
from subjects.models import Subject

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("history triggers exist only on PostgreSQL")


def history_rows(subject: Subject) -> list[Any]:
    model = apps.get_model("subjects", "SubjectHistory")
    return list(model.objects.filter(pgh_obj_id=subject.pk).order_by("pgh_id"))


def test_an_action_update_keeps_the_old_values_and_who(subject_a: Subject, caseworker: Any) -> None:
    do_update_subject(
        subject_a, changes={"employment": "farming"}, provenance="approved_case", source_ref="C-7", actor=caseworker
    )
    (row,) = history_rows(subject_a)
    assert row.employment == "" and row.name == subject_a.name
    assert row.pgh_context.metadata["user"] == "caseworker"
    assert row.pgh_context.metadata["ref"] == "C-7"
    changes = queries.field_history(Subject.objects.get(pk=subject_a.pk))
    assert [(c["old"], str(c["new"])) for c in changes[0]["changes"]] == [("", "务农")]


def test_bulk_and_raw_sql_updates_are_recorded_too(subject_a: Subject) -> None:
    Subject.objects.filter(pk=subject_a.pk).update(status="deceased")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subjects_subject SET name = %s WHERE id = %s", ["改名", subject_a.pk])
    rows = history_rows(subject_a)
    assert [r.status for r in rows] == ["active", "deceased"]
    assert [r.name for r in rows] == [subject_a.name, subject_a.name]
    fields = [
        c["label"] for entry in queries.field_history(Subject.objects.get(pk=subject_a.pk)) for c in entry["changes"]
    ]
    assert fields == ["name", "status"] or len(fields) == 2


def test_history_never_holds_the_number_or_its_index(subject_a: Subject, caseworker: Any) -> None:
    number = ids.decrypt(subject_a.id_number_encrypted)
    do_update_subject(
        subject_a,
        # Another sequence than the fixture's (the fixtures' sequence runs on through a worker's tests).
        changes={"id_number": ids.build("440106", subject_a.birth_date, (int(number[14:17]) + 1) % 1000)},
        provenance="caseworker_entry",
        actor=caseworker,
    )
    model = apps.get_model("subjects", "SubjectHistory")
    columns = {f.attname for f in model._meta.concrete_fields}
    assert not columns & {"id_number_encrypted", "id_number_hmac"}
    (row,) = history_rows(subject_a)
    assert row.id_number_masked == ids.mask(number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(h)::text FROM subjects_subjecthistory h")
        dumped = " ".join(r[0] for r in cursor.fetchall())
    assert number not in dumped and subject_a.id_number_hmac not in dumped


def test_an_unchanged_save_records_nothing(subject_a: Subject) -> None:
    subject_a.save()
    assert history_rows(subject_a) == []
