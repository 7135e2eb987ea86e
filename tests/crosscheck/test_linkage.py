"""Linkage without a shared ID: rows whose ID number is missing or invalid are kept and linked to the register."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent
from crosscheck import linkage
from crosscheck.models import (
    CandidateStatus,
    DatasetRow,
    LinkageRun,
    LinkCandidate,
    UnidentifiedRow,
    UnidentifiedStatus,
)
from jurisdictions.models import Department
from tests.conftest import COUNTY_A
from tests.crosscheck.conftest import HUKOU, hukou_row, new_id

pytestmark = pytest.mark.django_db

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "建国志强秀英桂兰海燕德明玉珍春花文华永刚"


def person_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3 + 1) % len(GIVEN)]


@pytest.fixture
def register(make_subject):
    """40 people of county A with distinct names and birth dates: the truth the rows are drawn from."""
    return [make_subject(COUNTY_A, name=person_name(i)) for i in range(40)]


def test_rows_without_a_valid_id_are_still_rejected_but_kept_for_linkage(load, register):
    (known, number), (other, _n) = register[0], register[1]
    rows = [
        hukou_row(known, number),
        hukou_row(other, "", name=other.name),  # no ID number
        hukou_row(other, "110101199001011234"),  # a wrong check digit
        hukou_row(other, "", name=""),  # no ID and no name: nothing to link by
    ]

    batch = load(Department.PUBLIC_SECURITY, HUKOU, rows)

    assert (batch.loaded_rows, batch.rejected_rows) == (1, 3)
    kept = list(UnidentifiedRow.objects.filter(batch=batch).order_by("row_number"))
    assert [r.row_number for r in kept] == [3, 4]
    assert all(r.name == other.name and r.birth_date == other.birth_date for r in kept)
    assert "110101199001011234" not in str([(r.id_problem, r.values) for r in kept])  # no full ID kept


def test_rows_naming_a_person_exactly_are_linked_and_become_rows_of_the_dataset(load, register, supervisor_a):
    truth = register[:10]
    rows = [hukou_row(subject, "") for subject, _number in truth]
    batch = load(Department.PUBLIC_SECURITY, HUKOU, rows)

    run = linkage.do_link_records(batch, actor=supervisor_a)

    assert run.counts["rows"] == 10 and run.counts["auto_linked"] == 10 and run.counts["review"] == 0
    linked = {r.row_number: r.subject_id for r in UnidentifiedRow.objects.filter(batch=batch)}
    assert linked == {i + 2: subject.pk for i, (subject, _n) in enumerate(truth)}  # precision and recall 1
    staged = {r.row_number: r.id_hmac for r in DatasetRow.objects.filter(batch=batch)}
    assert staged == {i + 2: subject.id_number_hmac for i, (subject, _n) in enumerate(truth)}
    assert run.model["comparisons"] and run.model["probability_two_random_records_match"] > 0
    event = AuditEvent.objects.get(event_type="crosscheck.linkage_run")
    assert event.data["auto_linked"] == 10 and truth[0][0].name not in str(event.data)


def test_a_row_matching_two_people_equally_waits_for_review_and_a_person_decides(
    load, make_subject, register, supervisor_a
):
    first, _n = register[3]
    twin, _n2 = make_subject(COUNTY_A, name=first.name, id_number=new_id(COUNTY_A, birth=first.birth_date))
    batch = load(Department.PUBLIC_SECURITY, HUKOU, [hukou_row(first, "")])

    run = linkage.do_link_records(batch, actor=supervisor_a)

    assert run.counts["review"] == 1 and run.counts["auto_linked"] == 0
    pending = LinkCandidate.objects.filter(run=run, status=CandidateStatus.REVIEW)
    assert {c.subject_id for c in pending} >= {first.pk, twin.pk}
    chosen = pending.get(subject=first)
    linkage.do_decide_candidate(chosen, actor=supervisor_a, same_person=True)
    row = UnidentifiedRow.objects.get(batch=batch)
    assert row.status == UnidentifiedStatus.LINKED and row.subject == first
    assert LinkCandidate.objects.get(run=run, subject=twin).status == CandidateStatus.SUPERSEDED
    assert DatasetRow.objects.get(batch=batch).id_hmac == first.id_number_hmac


@pytest.mark.parametrize(
    ("threshold", "review_from", "field"),
    [(1.5, 0.8, "threshold"), (0.95, -0.1, "review_from"), (0.9, 0.95, "review_from"), (0.9, 0.9, "review_from")],
)
def test_an_impossible_threshold_is_refused_and_nothing_changes(
    load, register, supervisor_a, threshold, review_from, field
):
    subject, _n = register[0]
    batch = load(Department.PUBLIC_SECURITY, HUKOU, [hukou_row(subject, "")])

    with pytest.raises(ValidationError) as caught:
        linkage.do_link_records(batch, actor=supervisor_a, threshold=threshold, review_from=review_from)

    assert field in caught.value.message_dict
    assert not LinkageRun.objects.exists() and not DatasetRow.objects.filter(batch=batch).exists()


def test_the_model_runs_on_a_duckdb_that_never_spills_to_disk():
    con = linkage._connection()

    assert con.execute("select current_setting('temp_directory')").fetchone() == ("",)


def test_the_command_links_a_dataset(load, register):
    subject, _n = register[5]
    batch = load(Department.PUBLIC_SECURITY, HUKOU, [hukou_row(subject, "")])
    out = StringIO()

    call_command("link_records", "--dataset", str(batch.pk), stdout=out)

    assert "1 linked" in out.getvalue()
    assert UnidentifiedRow.objects.get(batch=batch).subject == subject


def test_the_linkage_page_is_reached_from_the_batch_and_runs_the_linkage(client, load, register, supervisor_a):
    subject, _n = register[7]
    batch = load(Department.PUBLIC_SECURITY, HUKOU, [hukou_row(subject, "")], coverage_code=COUNTY_A)
    client.force_login(supervisor_a)

    page = client.get(reverse("crosscheck:batch", args=[batch.pk])).content.decode()
    assert reverse("crosscheck:linkage", args=[batch.pk]) in page
    response = client.post(reverse("crosscheck:linkage", args=[batch.pk]), {"threshold": "0.95", "review_from": "0.8"})

    assert response.status_code == 302
    assert UnidentifiedRow.objects.get(batch=batch).status == UnidentifiedStatus.LINKED
    assert 'id="linkage-runs"' in client.get(reverse("crosscheck:linkage", args=[batch.pk])).content.decode()


def test_a_bad_threshold_on_the_page_is_shown_in_chinese(client, load, register, supervisor_a):
    subject, _n = register[8]
    batch = load(Department.PUBLIC_SECURITY, HUKOU, [hukou_row(subject, "")], coverage_code=COUNTY_A)
    client.force_login(supervisor_a)

    response = client.post(reverse("crosscheck:linkage", args=[batch.pk]), {"threshold": "2", "review_from": "0.8"})

    assert response.status_code == 400 and "阈值" in response.content.decode()
    assert not LinkageRun.objects.exists()


def test_another_county_cannot_see_or_run_the_linkage(client, load, register, supervisor_b):
    subject, _n = register[9]
    batch = load(Department.PUBLIC_SECURITY, HUKOU, [hukou_row(subject, "")], coverage_code=COUNTY_A)
    client.force_login(supervisor_b)

    assert client.get(reverse("crosscheck:linkage", args=[batch.pk])).status_code == 404
    assert client.post(reverse("crosscheck:linkage", args=[batch.pk]), {}).status_code == 404
    assert not LinkageRun.objects.exists()
