"""Forwarding (转送、交办) with 签收 and objection, designation, lead and assisting bodies (Arts. 22–24).

A grievance of a person of 天河区 (county A) is registered at the city (广州市) and forwarded down.
"""

from __future__ import annotations

import datetime as dt

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from cases.nodes import BODY_KEY
from letters.models import Letter
from petitions import actions_routing, nodes
from petitions.deadlines import acknowledge_by, object_by
from petitions.models import Bounce, Petition, Stage
from tests.conftest import CITY, COUNTY_A, PROVINCE

pytestmark = pytest.mark.django_db

TOWNSHIP_IN_A = "440106001"
SHENZHEN_COUNTY = "440305"


def open_tasks(case):
    return {
        t.flow_task.name: t
        for t in Task.objects.filter(process_id=case.process_id, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    }


def petition(case):
    return Petition.objects.get(case=case)


@pytest.fixture
def city(make_user):
    return make_user("city_worker", "caseworker", CITY)


@pytest.fixture
def province(make_user):
    return make_user("province_worker", "caseworker", PROVINCE)


@pytest.fixture
def registered(register, city):
    return register(actor=city)


def forward(api, case, division=COUNTY_A, **data):
    return api.post(f"/api/v1/cases/{case.pk}/transitions/forward/", {"division": division, **data}, format="json")


def post(api, case, name, **data):
    return api.post(f"/api/v1/cases/{case.pk}/transitions/{name}/", data, format="json")


def test_forwarded_matter_waits_in_the_receiving_bodys_queue_and_its_sign_starts_the_clock(
    registered, city, caseworker, api_as
):
    response = forward(api_as(city), registered, note="请依法处理")
    assert response.status_code == 200, response.data
    p = petition(registered)
    assert p.stage == Stage.FORWARDED and p.routing_division_id == CITY and p.receiving_division_id == COUNTY_A
    task = open_tasks(registered)[nodes.ACKNOWLEDGE]
    assert task.data[BODY_KEY] == COUNTY_A
    # The county's queue lists the 签收; the city's (above it) does not.
    county_queue = {t["id"] for t in api_as(caseworker).get("/api/v1/tasks/?scope=queue").data}
    city_queue = {t["id"] for t in api_as(city).get("/api/v1/tasks/?scope=queue").data}
    assert task.pk in county_queue and task.pk not in city_queue
    # The city cannot sign for the county.
    assert post(api_as(city), registered, "acknowledge").status_code == 403

    detail = post(api_as(caseworker), registered, "acknowledge").data
    p = petition(registered)
    assert p.stage == Stage.HANDLING and p.acknowledged_on == p.accepted_on == dt.date(2026, 6, 5)
    assert detail["routing"]["acknowledged_on"] == "2026-06-05"
    assert detail["deadlines"]["handle_by"]["date"] == "2026-08-04"
    assert open_tasks(registered)[nodes.HANDLE].data[BODY_KEY] == COUNTY_A
    assert Letter.objects.filter(case=registered, kind="gv_acceptance").exists()
    assert AuditEvent.objects.filter(event_type="petition.acknowledged", object_id=str(registered.pk)).exists()
    # Handling is the county's: the city cannot decide for it.
    assert post(api_as(city), registered, "pause_clock", reason="等待鉴定").status_code == 403


def test_the_windows_are_counted_in_working_days_on_the_calendar(registered, city, _today):
    _today.move_to(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))  # Monday; Friday 19 June is 端午节
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    p = petition(registered)
    ack, objection = acknowledge_by(p), object_by(p)
    assert ack is not None and objection is not None
    assert ack.date == objection.date == dt.date(2026, 6, 23)


def test_objection_agreed_sends_the_materials_back_and_counts_a_bounce(registered, city, caseworker, api_as):
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    response = post(api_as(caseworker), registered, "object", reasons="该事项属于市住建部门职责，非本区权限。")
    assert response.status_code == 200, response.data
    assert petition(registered).stage == Stage.OBJECTED
    task = open_tasks(registered)[nodes.OBJECTION]
    assert task.data[BODY_KEY] == CITY
    assert post(api_as(caseworker), registered, "agree_objection").status_code == 403  # the routing body decides

    detail = post(api_as(city), registered, "agree_objection", note="同意退回").data
    p = petition(registered)
    assert p.stage == Stage.REGISTERED and p.receiving_division_id is None and p.lead_division_id == CITY
    assert open_tasks(registered)[nodes.ACCEPT].data[BODY_KEY] == CITY
    bounce = Bounce.objects.get()
    assert (bounce.division_id, bounce.kind) == (COUNTY_A, Bounce.Kind.RETURNED)
    assert [b["kind"] for b in detail["routing"]["bounces"]] == ["returned"]
    rows = api_as(city).get("/api/v1/petitions/bounces/").data
    assert rows == [
        {"body": {"code": COUNTY_A, "name": "天河区"}, "returned": 1, "redirected": 0, "lapsed": 0, "total": 1}
    ]


def test_a_designated_body_cannot_object_and_the_refusal_is_audited(
    register, make_subject, city, caseworker, make_user, api_as
):
    case = register(actor=city, subject_=make_subject(TOWNSHIP_IN_A, name="赵六"))
    township = make_user("township_worker", "caseworker", TOWNSHIP_IN_A)
    actions_routing.do_forward(case, actor=city, division=COUNTY_A)
    actions_routing.do_object(case, actor=caseworker, reasons="属地在街道，应由街道办理。", proposed=TOWNSHIP_IN_A)
    response = post(api_as(city), case, "designate", division=TOWNSHIP_IN_A)
    assert response.status_code == 200, response.data
    p = petition(case)
    assert p.stage == Stage.FORWARDED and p.designated and p.receiving_division_id == TOWNSHIP_IN_A
    assert response.data["routing"]["object_by"] is None
    assert Bounce.objects.get().kind == Bounce.Kind.REDIRECTED  # the county lost it: counted against it

    refused = post(api_as(township), case, "object", reasons="本街道无此职能，请另行指定。")
    assert refused.status_code == 400
    assert "第二十三条" in str(refused.data["designated"]) or "Art. 23" in str(refused.data["designated"])
    assert petition(case).stage == Stage.FORWARDED and petition(case).objected_on is None
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="object").exists()
    assert post(api_as(township), case, "acknowledge").status_code == 200
    assert petition(case).stage == Stage.HANDLING


def test_an_objection_after_five_working_days_is_refused_naming_article_23(registered, city, caseworker, _today):
    from django.core.exceptions import ValidationError

    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)  # Friday 5 June
    _today.move_to(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))  # Monday 15 June: 6th working day
    with pytest.raises(ValidationError) as exc:
        actions_routing.do_object(registered, actor=caseworker, reasons="不属于本机关职责范围的事项。")
    message = exc.value.message_dict["object_by"][0]
    assert "2026-06-12" in message
    assert petition(registered).stage == Stage.FORWARDED
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="object").exists()


def test_a_late_sign_is_refused_and_the_routing_body_designates_after_the_lapse(
    registered, city, caseworker, _today, api_as
):
    from django.core.exceptions import ValidationError

    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    # Before the lapse the routing body cannot designate over the receiving body's head.
    early = post(api_as(city), registered, "designate", division=COUNTY_A)
    assert early.status_code == 400 and "division" in early.data
    _today.move_to(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as exc:
        actions_routing.do_acknowledge(registered, actor=caseworker)
    assert "acknowledge_by" in exc.value.message_dict
    assert petition(registered).acknowledged_on is None
    assert post(api_as(city), registered, "designate", division=COUNTY_A).status_code == 200
    p = petition(registered)
    assert p.designated and p.forwarded_on == dt.date(2026, 6, 15)
    assert not Bounce.objects.exists()  # the same body: nothing bounced
    actions_routing.do_acknowledge(registered, actor=caseworker)
    assert petition(registered).stage == Stage.HANDLING


def test_objection_needs_detailed_reasons(registered, city, caseworker, api_as):
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    response = post(api_as(caseworker), registered, "object", reasons="不归我")
    assert response.status_code == 400 and "reasons" in response.data
    assert petition(registered).stage == Stage.FORWARDED


def test_lead_and_assisting_bodies(registered, city, api_as):
    bad = forward(api_as(city), registered, assisting=[SHENZHEN_COUNTY])
    assert bad.status_code == 400 and "assisting" in bad.data
    assert petition(registered).stage == Stage.REGISTERED
    # Only a body below the routing one whose area holds the petitioner receives the matter.
    elsewhere = forward(api_as(city), registered, division="440104")
    assert elsewhere.status_code == 400
    assert "第二十二条" in str(elsewhere.data["division"]) or "Art. 22" in str(elsewhere.data["division"])
    assert AuditEvent.objects.filter(event_type="petition.refused", data__action="forward").count() == 2
    detail = forward(api_as(city), registered, assisting=["440104", "440111"]).data
    assert detail["handling_bodies"]["lead"] == {"code": COUNTY_A, "name": "天河区"}
    assert [b["code"] for b in detail["handling_bodies"]["assisting"]] == ["440104", "440111"]


def test_a_dispute_goes_to_the_common_superior_which_designates(registered, city, caseworker, province, api_as):
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    actions_routing.do_object(
        registered, actor=caseworker, reasons="当事人常住深圳，应由深圳处理。", proposed=SHENZHEN_COUNTY
    )
    response = post(api_as(city), registered, "refer_dispute", note="两地有争议")
    assert response.status_code == 200, response.data
    p = petition(registered)
    assert p.stage == Stage.DISPUTED and p.dispute_division_id == PROVINCE
    assert open_tasks(registered)[nodes.DISPUTE].data[BODY_KEY] == PROVINCE
    assert post(api_as(city), registered, "designate", division=COUNTY_A).status_code == 403
    assert post(api_as(province), registered, "designate", division=COUNTY_A).status_code == 200
    p = petition(registered)
    assert p.designated and p.receiving_division_id == COUNTY_A and not Bounce.objects.exists()


def test_the_routing_body_settles_a_dispute_below_it_itself(registered, city, caseworker, api_as):
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    actions_routing.do_object(
        registered, actor=caseworker, reasons="应由越秀区办理，当事人户籍在越秀。", proposed="440104"
    )
    response = post(api_as(city), registered, "refer_dispute")
    assert response.status_code == 400 and "dispute" in response.data


def test_an_outsider_gets_404_everywhere(registered, city, caseworker, caseworker_b, api_as, client):
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    outsider = api_as(caseworker_b)
    assert post(outsider, registered, "acknowledge").status_code == 404
    assert post(outsider, registered, "object", reasons="x" * 20).status_code == 404
    assert outsider.get(f"/api/v1/cases/{registered.pk}/").status_code == 404
    client.force_login(caseworker_b)
    assert client.get(f"/petitions/{registered.pk}/acknowledge/").status_code == 404
    actions_routing.do_object(registered, actor=caseworker, reasons="不属于本区职责范围的事项。")
    actions_routing.do_agree_objection(registered, actor=city)
    # The bounce of 天河区 is counted for the city and the county, never shown to 越秀区.
    assert outsider.get("/api/v1/petitions/bounces/").data == []
    page = client.get("/petitions/bounces/")
    assert page.status_code == 200 and "天河区" not in page.content.decode()
    client.force_login(caseworker)
    assert "天河区" in client.get("/petitions/bounces/").content.decode()


def test_an_objection_on_the_last_working_day_counts_the_holiday(registered, city, caseworker, _today):
    from django.core.exceptions import ValidationError

    _today.move_to(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))  # Monday; Friday 19 June is 端午节
    actions_routing.do_forward(registered, actor=city, division=COUNTY_A)
    _today.move_to(dt.datetime(2026, 6, 24, 2, 0, tzinfo=dt.UTC))  # Wednesday: the 6th working day
    with pytest.raises(ValidationError) as exc:
        actions_routing.do_object(registered, actor=caseworker, reasons="不属于本机关职责范围的事项。")
    assert "2026-06-23" in exc.value.message_dict["object_by"][0]
    _today.move_to(dt.datetime(2026, 6, 23, 2, 0, tzinfo=dt.UTC))  # Tuesday: the 5th, still in time
    actions_routing.do_object(registered, actor=caseworker, reasons="不属于本机关职责范围的事项。")
    assert petition(registered).stage == Stage.OBJECTED


def test_the_pages_offer_each_body_its_own_steps(registered, city, caseworker, client):
    client.force_login(city)
    page = client.get(f"/cases/{registered.pk}/").content.decode()
    assert 'id="petition-forward"' in page
    form = client.get(f"/petitions/{registered.pk}/forward/").content.decode()
    assert "天河区" in form and "转送至" in form
    response = client.post(f"/petitions/{registered.pk}/forward/", {"division": COUNTY_A, "note": ""})
    assert response.status_code == 302
    page = client.get(f"/cases/{registered.pk}/").content.decode()
    assert 'id="petition-acknowledge"' not in page and 'id="petition-routing"' in page

    client.force_login(caseworker)
    page = client.get(f"/cases/{registered.pk}/").content.decode()
    assert 'id="petition-acknowledge"' in page and 'id="petition-object"' in page
    refused = client.post(f"/petitions/{registered.pk}/object/", {"reasons": "不归我", "proposed": ""})
    assert refused.status_code == 400 and "详细说明" in refused.content.decode()
    done = client.post(
        f"/petitions/{registered.pk}/object/", {"reasons": "当事人户籍在越秀，应由越秀区办理。", "proposed": "440104"}
    )
    assert done.status_code == 302

    client.force_login(city)
    page = client.get(f"/cases/{registered.pk}/").content.decode()
    assert 'id="petition-agree_objection"' in page and 'id="petition-designate"' in page
    assert 'id="petition-refer_dispute"' not in page  # the city is the two counties' common superior itself
    client.post(f"/petitions/{registered.pk}/agree_objection/", {"note": ""})
    assert "天河区" in client.get("/petitions/bounces/").content.decode()
