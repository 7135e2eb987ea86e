"""Supervisor pages: run history, batches, discrepancies and send-down, tracking, duplicate adjudication.

Every page is scoped: the city supervisor sees both counties, a county's staff only theirs,
outsiders (another county or province) get 404 on objects and empty lists.
"""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEvent
from cases.models import Case
from crosscheck.actions import do_run_crosscheck
from crosscheck.models import Discrepancy, DiscrepancyStatus, DuplicateSuspect, SuspectStatus
from jurisdictions.models import Department
from tests.conftest import COUNTY_A, COUNTY_B, OTHER_PROVINCE

from .conftest import HUKOU, hukou_row, new_id

PS = Department.PUBLIC_SECURITY


@pytest.fixture
def found(make_subject, load):
    a, a_id = make_subject(COUNTY_A, name="张三")
    b, b_id = make_subject(COUNTY_B, name="李四")
    batch = load(PS, HUKOU, [hukou_row(a, a_id, name="张叁"), hukou_row(b, b_id, name="李肆")], coverage_code="4401")
    run = do_run_crosscheck(actor=None, department=PS, division_code="4401")
    return {"a": a, "b": b, "run": run, "batch": batch}


@pytest.fixture
def outsider(make_user):
    return make_user("outsider", "supervisor", OTHER_PROVINCE)


def test_supervisor_sees_run_history_and_results(client, city_supervisor, found):
    client.force_login(city_supervisor)
    page = client.get("/crosscheck/")
    assert page.status_code == 200 and f"#{found['run'].pk}" in page.content.decode()
    detail = client.get(f"/crosscheck/runs/{found['run'].pk}/")
    assert detail.status_code == 200
    assert client.get(f"/crosscheck/batches/{found['batch'].pk}/").status_code == 200
    assert client.get("/crosscheck/batches/").status_code == 200


def test_outsider_gets_404_on_runs_and_batches_of_another_province(client, outsider, found):
    client.force_login(outsider)
    assert client.get(f"/crosscheck/runs/{found['run'].pk}/").status_code == 404
    assert client.get(f"/crosscheck/batches/{found['batch'].pk}/").status_code == 404
    assert f"#{found['run'].pk}" not in client.get("/crosscheck/").content.decode()


def test_caseworker_is_not_a_supervisor(client, caseworker, found):
    client.force_login(caseworker)
    assert client.get("/crosscheck/").status_code == 403
    assert client.get("/crosscheck/tracking/").status_code == 403


def test_discrepancy_lists_are_scoped_by_county(client, caseworker, caseworker_b, city_supervisor, outsider, found):
    client.force_login(caseworker)
    body = client.get("/crosscheck/discrepancies/").content.decode()
    assert "张叁" in body and "李肆" not in body
    client.force_login(city_supervisor)
    body = client.get("/crosscheck/discrepancies/").content.decode()
    assert "张叁" in body and "李肆" in body
    client.force_login(outsider)
    body = client.get("/crosscheck/discrepancies/").content.decode()
    assert "张叁" not in body and "李肆" not in body
    assert client.get(f"/crosscheck/discrepancies/?division={COUNTY_A}").status_code == 404


def test_supervisor_sends_down_and_tracking_follows(client, city_supervisor, found):
    client.force_login(city_supervisor)
    response = client.post("/crosscheck/send-down/")
    assert response.status_code == 302
    assert Case.objects.count() == 2
    assert AuditEvent.objects.filter(event_type="crosscheck.sent_down").count() == 2
    page = client.get("/crosscheck/tracking/")
    assert page.status_code == 200
    rows = {r.code: r for r in page.context["rows"]}
    assert rows[COUNTY_A].sent == 1 and rows[COUNTY_B].sent == 1
    drill = client.get(f"/crosscheck/discrepancies/?division={COUNTY_A}")
    case = Discrepancy.objects.get(county_code=COUNTY_A).case
    assert case is not None and case.number in drill.content.decode()


def test_caseworker_cannot_send_down(client, caseworker, found):
    client.force_login(caseworker)
    assert client.post("/crosscheck/send-down/").status_code == 403
    assert not Case.objects.exists()
    assert Discrepancy.objects.filter(status=DiscrepancyStatus.SENT).count() == 0


def test_county_supervisor_sends_down_only_their_county(client, make_user, found):
    client.force_login(make_user("sup_a", "supervisor", COUNTY_A))
    client.post("/crosscheck/send-down/")
    assert list(Case.objects.values_list("county_code", flat=True)) == [COUNTY_A]


@pytest.fixture
def suspect(make_subject):
    birth = dt.date(1951, 7, 1)
    make_subject(COUNTY_A, name="赵六", id_number=new_id(COUNTY_A, birth))
    make_subject(COUNTY_B, name="赵六", id_number=new_id(COUNTY_B, birth))
    do_run_crosscheck(actor=None)
    return DuplicateSuspect.objects.get()


def test_a_county_caseworker_cannot_merge_a_record_of_another_county(client, caseworker, suspect):
    client.force_login(caseworker)
    response = client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "merge", "keep": suspect.subject_a_id})
    assert response.status_code == 403
    suspect.refresh_from_db()
    assert suspect.status == SuspectStatus.PENDING


def test_duplicate_adjudication_merge_keeps_history(client, supervisor, suspect):
    client.force_login(supervisor)
    assert client.get("/crosscheck/duplicates/").status_code == 200
    response = client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "merge", "keep": suspect.subject_a_id})
    assert response.status_code == 302
    suspect.refresh_from_db()
    assert suspect.status == SuspectStatus.MERGE and suspect.keep_id == suspect.subject_a_id
    assert suspect.snapshot["b"]["id_number"] == suspect.subject_b.id_number_masked
    merged_away = suspect.subject_b
    merged_away.refresh_from_db()
    assert merged_away.status == "merged" and merged_away.merged_into_id == suspect.subject_a_id
    assert AuditEvent.objects.filter(event_type="crosscheck.duplicate_decided").count() == 1
    again = client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "distinct", "note": "x"})
    assert again.status_code == 409


def test_distinct_needs_a_note(client, caseworker, suspect):
    client.force_login(caseworker)
    response = client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "distinct"})
    assert response.status_code == 400
    response = client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "distinct", "note": "户籍核实为两人"})
    assert response.status_code == 302
    suspect.refresh_from_db()
    assert suspect.status == SuspectStatus.DISTINCT


def test_outsider_gets_404_on_a_suspect(client, outsider, suspect):
    client.force_login(outsider)
    assert client.get(f"/crosscheck/duplicates/{suspect.pk}/").status_code == 404
    assert (
        client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "distinct", "note": "x"}).status_code == 404
    )


def test_liaison_sees_the_pair_but_cannot_decide(client, make_user, suspect):
    client.force_login(make_user("liaison_x", "liaison", COUNTY_A, department=PS))
    assert client.get(f"/crosscheck/duplicates/{suspect.pk}/").status_code == 200
    assert (
        client.post(f"/crosscheck/duplicates/{suspect.pk}/", {"decision": "distinct", "note": "x"}).status_code == 403
    )
