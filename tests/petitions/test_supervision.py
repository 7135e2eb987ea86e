"""督办 (Arts. 39–40): a supervisor above a body orders a follow-up, the body reports; the daily scan
sends the 催办通知书 on the first overdue working day and records the 通报 five working days overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from notifications.models import Notification
from petitions import supervision
from petitions.models import SupervisionOrder
from policies.calendar import add_working_days
from tests.conftest import CITY, COUNTY_A

pytestmark = pytest.mark.django_db

# Friday 12 June 2026: the first overdue working day is Monday 15 June.
DEADLINE = dt.date(2026, 6, 12)


@pytest.fixture
def grievance(register):
    return register()


@pytest.fixture
def order(supervisor, grievance):
    return supervision.do_issue_order(actor=supervisor, case=grievance, intensity="flagged", deadline=DEADLINE)


def test_a_city_supervisor_issues_an_order_on_a_county_grievance_through_the_api(api_as, supervisor, grievance):
    response = api_as(supervisor).post(
        "/api/v1/supervision-orders/",
        {"case": grievance.pk, "intensity": "flagged", "deadline": "2026-06-12", "instructions": "限期办结"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["case"], body["body"], body["issued_at"]) == (grievance.pk, COUNTY_A, CITY)
    assert (body["intensity"], body["deadline"], body["state"]) == ("flagged", "2026-06-12", "open")
    assert AuditEvent.objects.filter(event_type="petition.supervision_issued").count() == 1


def test_an_order_on_a_body_and_its_completion_report(api_as, supervisor, caseworker):
    issued = api_as(supervisor).post(
        "/api/v1/supervision-orders/",
        {"body": COUNTY_A, "intensity": "summons", "deadline": "2026-06-19"},
        format="json",
    )
    assert issued.status_code == 201, issued.content
    order_id = issued.json()["id"]
    listed = api_as(caseworker).get("/api/v1/supervision-orders/").json()
    assert [row["id"] for row in listed] == [order_id]
    reported = api_as(caseworker).post(
        f"/api/v1/supervision-orders/{order_id}/report/", {"report": "已约谈并整改"}, format="json"
    )
    assert reported.status_code == 200, reported.content
    assert (reported.json()["state"], reported.json()["report"]) == ("reported", "已约谈并整改")
    again = api_as(caseworker).post(f"/api/v1/supervision-orders/{order_id}/report/", {"report": "再报"}, format="json")
    assert again.status_code == 409


def test_an_empty_report_is_refused_naming_the_field(api_as, order, caseworker):
    response = api_as(caseworker).post(f"/api/v1/supervision-orders/{order.pk}/report/", {"report": " "}, format="json")
    assert response.status_code == 400
    assert "report" in response.json()
    order.refresh_from_db()
    assert order.reported_on is None


def test_a_past_deadline_and_an_unknown_intensity_are_refused_naming_the_field(api_as, supervisor, grievance):
    client = api_as(supervisor)
    past = client.post(
        "/api/v1/supervision-orders/",
        {"case": grievance.pk, "intensity": "routine", "deadline": "2026-06-05"},
        format="json",
    )
    assert past.status_code == 400 and "deadline" in past.json()
    odd = client.post(
        "/api/v1/supervision-orders/",
        {"case": grievance.pk, "intensity": "loud", "deadline": "2026-06-12"},
        format="json",
    )
    assert odd.status_code == 400 and "intensity" in odd.json()
    assert not SupervisionOrder.objects.exists()


def test_the_body_itself_cannot_supervise_itself(api_as, caseworker, make_user, grievance):
    county_supervisor = make_user("county_supervisor", "supervisor", COUNTY_A)
    response = api_as(county_supervisor).post(
        "/api/v1/supervision-orders/",
        {"case": grievance.pk, "intensity": "routine", "deadline": "2026-06-12"},
        format="json",
    )
    assert response.status_code == 403
    assert not SupervisionOrder.objects.exists()


def test_the_outsider_sees_nothing_and_reaches_nothing(api_as, caseworker_b, order, grievance):
    client = api_as(caseworker_b)
    assert client.get("/api/v1/supervision-orders/").json() == []
    assert (
        client.post(f"/api/v1/supervision-orders/{order.pk}/report/", {"report": "x"}, format="json").status_code == 404
    )
    issue = client.post(
        "/api/v1/supervision-orders/",
        {"case": grievance.pk, "intensity": "routine", "deadline": "2026-06-12"},
        format="json",
    )
    assert issue.status_code == 404


def test_the_reminder_goes_out_on_the_first_overdue_working_day(order, _today, caseworker):
    _today.move_to(dt.datetime(2026, 6, 13, 2, 0, tzinfo=dt.UTC))  # Saturday: overdue, but a rest day
    assert supervision.scan_supervision() == {"urged": 0, "circulated": 0}
    _today.move_to(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))  # Monday
    assert supervision.scan_supervision() == {"urged": 1, "circulated": 0}
    order.refresh_from_db()
    assert order.urged_on == dt.date(2026, 6, 15)
    assert supervision.state_of(order) == "urged"
    assert AuditEvent.objects.filter(event_type="petition.supervision_urged").count() == 1
    assert Notification.objects.filter(recipient=caseworker, event=supervision.URGED_EVENT).exists()
    assert supervision.scan_supervision() == {"urged": 0, "circulated": 0}  # once only


def test_the_circulation_is_recorded_five_working_days_overdue(order, _today, supervisor):
    fifth = add_working_days(DEADLINE, 5)
    day_before = fifth - dt.timedelta(days=1)
    _today.move_to(dt.datetime.combine(day_before, dt.time(2, 0), tzinfo=dt.UTC))
    assert supervision.scan_supervision()["circulated"] == 0
    _today.move_to(dt.datetime.combine(fifth, dt.time(2, 0), tzinfo=dt.UTC))
    assert supervision.scan_supervision()["circulated"] == 1
    order.refresh_from_db()
    assert order.circulated_on == fifth
    assert AuditEvent.objects.filter(event_type="petition.supervision_circulated").count() == 1
    assert Notification.objects.filter(recipient=supervisor, event=supervision.CIRCULATED_EVENT).exists()


@override_settings(LAUREL_SUPERVISION_CIRCULATE_DAYS=2)
def test_the_circulation_delay_is_a_setting(order, _today):
    _today.move_to(dt.datetime(2026, 6, 16, 2, 0, tzinfo=dt.UTC))  # Tuesday: two working days overdue
    assert supervision.scan_supervision() == {"urged": 1, "circulated": 1}


def test_a_reported_order_is_never_urged(order, caseworker, _today):
    supervision.do_report_order(order, actor=caseworker, report="已办结")
    _today.move_to(dt.datetime(2026, 6, 30, 2, 0, tzinfo=dt.UTC))
    assert supervision.scan_supervision() == {"urged": 0, "circulated": 0}


def test_the_scan_is_a_registered_daily_job():
    from core.jobs import _PERIODIC

    assert _PERIODIC["scan_supervision"].task == "petitions.tasks.scan_supervision"


def test_the_page_lists_orders_and_takes_the_report(client, caseworker, supervisor, order):
    client.force_login(supervisor)
    page = client.get("/petitions/supervision/").content.decode()
    assert f'id="order-{order.pk}"' in page and 'id="issue-form"' in page
    assert 'id="nav-supervision"' in client.get("/").content.decode()
    client.force_login(caseworker)
    page = client.get("/petitions/supervision/").content.decode()
    assert f'action="/petitions/supervision/{order.pk}/report/"' in page
    response = client.post(f"/petitions/supervision/{order.pk}/report/", {"report": "已办结"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.report == "已办结"


def test_the_page_issues_an_order_and_shows_a_refusal_on_the_field(client, supervisor, grievance):
    client.force_login(supervisor)
    bad = client.post(
        "/petitions/supervision/", {"case": grievance.pk, "intensity": "routine", "deadline": "2026-06-01"}
    )
    assert bad.status_code == 400
    good = client.post(
        "/petitions/supervision/", {"case": grievance.pk, "intensity": "routine", "deadline": "2026-06-20"}
    )
    assert good.status_code == 302
    assert SupervisionOrder.objects.get().division_id == COUNTY_A


def test_the_outsider_gets_404_on_the_report_page(client, caseworker_b, order):
    client.force_login(caseworker_b)
    assert client.post(f"/petitions/supervision/{order.pk}/report/", {"report": "x"}).status_code == 404
    assert f'id="order-{order.pk}"' not in client.get("/petitions/supervision/").content.decode()


def test_an_open_order_waits_on_the_supervised_bodys_workbench_and_as_a_step_in_its_queue(
    client, caseworker, supervisor, register
):
    from core import panels
    from petitions import supervision as sv

    case = register()
    sv.do_issue_order(actor=supervisor, case=case, intensity="routine", deadline=dt.date(2026, 6, 30))
    client.force_login(caseworker)

    home = client.get("/").content.decode()
    assert "panel-supervision-orders" in home and case.number in home
    assert sv.orders_to_report(supervisor) is None  # the city supervises; the county reports
    # Not again on the inbox's "other work" tab: the report is a step in the team queue.
    assert "supervision-orders" not in {p.name for p in panels.panels(panels.INBOX)}
    assert "panel-supervision-orders" not in client.get("/cases/inbox/", {"scope": "other"}).content.decode()


# --- the completion report as a step (core.steps) ----------------------------------------------------


def report_steps(order):
    from core import steps

    return list(steps.open_tasks_about(order, supervision.REPORT_STEP))


def test_issuing_an_order_opens_the_report_step_listed_in_the_task_api_for_the_supervised_body(
    api_as, order, caseworker, caseworker_b, supervisor
):
    [task] = report_steps(order)
    rows = api_as(caseworker).get("/api/v1/tasks/?scope=queue").json()
    [row] = [r for r in rows if r["step"]]
    assert row["id"] == task.pk and row["case"] is None and row["label"] == "督办：填报办结情况"
    assert row["step"]["kind"] == "supervision_report" and row["step"]["division"] == COUNTY_A
    assert row["step"]["due"] == "2026-06-12" and row["step"]["url"] == f"/petitions/supervision/#order-{order.pk}"
    assert row["step"]["title"].startswith(f"督办第 {order.pk} 号（挂牌督办）")
    # Not another county's, nor the supervisor's who issued it.
    assert not [r for r in api_as(caseworker_b).get("/api/v1/tasks/?scope=queue").json() if r["step"]]
    assert not [r for r in api_as(supervisor).get("/api/v1/tasks/?scope=queue").json() if r["step"]]


def test_the_report_step_is_in_the_inbox_queue_and_counted_on_the_workbench(client, order, caseworker):
    from cases import queries

    client.force_login(caseworker)
    page = client.get("/cases/inbox/", {"scope": "queue"}).content.decode()
    assert f'href="/petitions/supervision/#order-{order.pk}"' in page and "填报办结情况" in page
    assert queries.nav_counts(caseworker)["queue"] == 2  # the grievance's acceptance, and the report
    assert "panel-supervision-orders" in client.get("/").content.decode()


def test_the_completion_report_completes_the_step(order, caseworker):
    from viewflow.workflow.status import STATUS

    [task] = report_steps(order)
    supervision.do_report_order(order, actor=caseworker, report="已办结")
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner_id == caseworker.pk
    assert report_steps(order) == []


def test_an_overdue_report_step_is_counted_by_the_sla_scan(order, _today):
    from django.utils import timezone

    from cases.actions.sla import scan_steps

    assert scan_steps(timezone.now()) == {"steps_overdue": 0, "steps_announced": 0}
    _today.move_to(dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC))  # Monday after the Friday deadline
    assert scan_steps(timezone.now()) == {"steps_overdue": 1, "steps_announced": 1}
    assert AuditEvent.objects.filter(event_type="step.overdue", division_code=COUNTY_A).count() == 1
