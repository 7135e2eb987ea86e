"""The auditor's workspace: scoped search, timelines, exports equal to the screen, chain status."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from audit.log import record
from audit.models import AuditEvent
from audit_ui import queries, views
from tests.conftest import COUNTY_A, COUNTY_B

pytestmark = pytest.mark.django_db

WebAs = Callable[[User], Client]
CASE = {"object_type": "cases.case", "object_id": "41"}


@pytest.fixture
def case_history(caseworker: User, supervisor: User) -> list[AuditEvent]:
    """A case in county A submitted, sent to verification, its task claimed; one case event in 北京."""
    events = [
        record(
            event_type="case.transition",
            actor=caseworker,
            division_code=COUNTY_A,
            data={"from": "draft", "to": "submitted", "reason": "", "task": "intake", "evidence": []},
            object_type="cases.case",
            object_id="41",
        ),
        record(
            event_type="case.transition",
            actor=supervisor,
            division_code=COUNTY_A,
            data={"from": "submitted", "to": "verification", "task": "review"},
            reason="材料齐全",
            evidence=["document:7", "document:9"],
            object_type="cases.case",
            object_id="41",
        ),
        record(
            event_type="task.claimed",
            actor=caseworker,
            division_code=COUNTY_A,
            data={"task": 3},
            object_type="cases.case",
            object_id="41",
        ),
    ]
    record(event_type="case.transition", actor=None, division_code="110101", object_type="cases.case", object_id="99")
    return events


def screen_rows(response: Any) -> list[list[str]]:
    return [[row[key] for key, _ in queries.COLUMNS] for row in response.context["rows"]]


def test_the_timeline_reconstructs_a_cases_history(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent]
) -> None:
    response = web_as(auditor).get("/audit/objects/cases.case/41/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["id"] for row in rows] == [str(e.pk) for e in case_history]
    second = rows[1]
    # Statuses by their Chinese names; a value that is no status is shown as recorded.
    assert (second["actor_link"], second["role"], second["from"], second["to"]) == (
        "supervisor",
        "督导",
        "已提交",
        "verification",
    )
    assert (second["reason"], second["evidence"], second["task"]) == ("材料齐全", "document:7; document:9", "review")
    assert second["occurred_at"] == timezone.localtime(case_history[1].occurred_at).strftime("%Y-%m-%d %H:%M:%S")
    assert "材料齐全" in response.content.decode()


def test_a_case_timeline_includes_the_letters_and_findings_that_name_the_case(
    web_as: WebAs, auditor: User, caseworker: User
) -> None:
    def event(event_type: str, obj: tuple[str, str], **data: Any) -> AuditEvent:
        return record(
            event_type=event_type,
            actor=caseworker,
            division_code=COUNTY_A,
            object_type=obj[0],
            object_id=obj[1],
            data=data,
        )

    case, letter, other_letter = ("cases.case", "8"), ("letters.letter", "5"), ("letters.letter", "6")
    wanted = [
        event("case.filed", case, number="天-2026-0008"),
        event("letter.requested", letter, number="天退役军人决〔2026〕1号", case="天-2026-0008"),
        event("letter.issued", letter, sha256="ab"),
        event("letter.downloaded", letter, via="web"),
    ]
    event("letter.requested", other_letter, case="天-2026-0009")
    event("letter.issued", other_letter)
    client = web_as(auditor)
    screen = client.get("/audit/objects/cases.case/8/")
    assert [row["id"] for row in screen.context["rows"]] == [str(e.pk) for e in wanted]
    export = client.get("/audit/export.csv?" + screen.context["query"])
    _header, *rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows == screen_rows(screen)


def test_an_auditor_of_another_province_sees_nothing(
    web_as: WebAs, auditor_other_province: User, case_history: list[AuditEvent]
) -> None:
    client = web_as(auditor_other_province)
    assert client.get("/audit/objects/cases.case/41/").status_code == 404
    rows = client.get("/audit/", {"object_type": "cases.case"}).context["rows"]
    assert [row["object"] for row in rows] == ["案件 #99"]  # no such case here: its kind and id
    body = client.get("/audit/export.csv", {"object_type": "cases.case", "object_id": "41"}).content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) == 1  # the header only


def test_a_city_auditor_does_not_see_another_city_of_the_province(
    web_as: WebAs, auditor_city: User, case_history: list[AuditEvent]
) -> None:
    record(event_type="case.transition", actor=None, division_code="440303", object_type="cases.case", object_id="5")
    client = web_as(auditor_city)
    assert client.get("/audit/objects/cases.case/5/").status_code == 404
    assert client.get("/audit/objects/cases.case/41/").status_code == 200


def test_a_supervisor_reads_the_trail_of_their_city(
    web_as: WebAs, supervisor: User, case_history: list[AuditEvent]
) -> None:
    assert web_as(supervisor).get("/audit/objects/cases.case/41/").status_code == 200


@pytest.mark.parametrize("url", ["/audit/", "/audit/status/", "/audit/export.csv", "/audit/objects/cases.case/41/"])
def test_a_caseworker_may_not_open_the_workspace(
    web_as: WebAs, caseworker: User, case_history: list[AuditEvent], url: str
) -> None:
    assert web_as(caseworker).get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_search_filters_by_actor_type_object_division_and_dates(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent], caseworker_b: User
) -> None:
    client = web_as(auditor)
    other = record(event_type="subject.updated", actor=caseworker_b, division_code=COUNTY_B, data={"field": "name"})

    def ids(**params: str) -> list[str]:
        response = client.get("/audit/", params)
        assert response.status_code == 200
        return [row["id"] for row in response.context["rows"]]

    assert ids(actor="caseworker_b") == [str(other.pk)]
    assert ids(event_type="case.", division=COUNTY_A) == [str(case_history[1].pk), str(case_history[0].pk)]
    assert ids(event_type="task.claimed", **CASE) == [str(case_history[2].pk)]
    assert ids(division=COUNTY_B, event_type="subject.") == [str(other.pk)]
    today = timezone.localdate()
    assert str(other.pk) in ids(**{"from": str(today), "to": str(today)})
    assert ids(**{"from": str(today + timedelta(days=1))}) == []


def test_failed_sign_ins_are_found_under_the_attempted_name(web_as: WebAs, make_user: Callable[..., User]) -> None:
    record(event_type="auth.login_failed", actor=None, division_code=COUNTY_A, data={"username": "mallory"})
    auditor = make_user("auditor_gd", "auditor", "44")
    rows = web_as(auditor).get("/audit/", {"actor": "mallory"}).context["rows"]
    assert [row["event_type"] for row in rows] == ["auth.login_failed"]


def test_bad_filters_get_field_messages_and_no_results(web_as: WebAs, auditor: User) -> None:
    response = web_as(auditor).get("/audit/", {"division": "44a", "from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"division", "to"}
    assert response.context["rows"] == []
    assert web_as(auditor).get("/audit/export.csv", {"from": "not-a-date"}).status_code == 400


def test_results_page_backwards_by_id(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = web_as(auditor)
    first = client.get("/audit/", {"object_id": "41"})
    assert [row["id"] for row in first.context["rows"]] == [str(case_history[2].pk), str(case_history[1].pk)]
    second = client.get("/audit/", {"object_id": "41", "before": first.context["next_before"]})
    assert [row["id"] for row in second.context["rows"]] == [str(case_history[0].pk)]
    assert second.context["next_before"] is None


def test_results_page_forwards_again_to_newer_events(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = web_as(auditor)
    first = client.get("/audit/", {"object_id": "41"})
    assert first.context["prev_after"] is None
    second = client.get("/audit/", {"object_id": "41", "before": first.context["next_before"]})
    third = client.get("/audit/", {"object_id": "41", "before": second.context["next_before"]})
    assert [row["id"] for row in third.context["rows"]] == [str(case_history[0].pk)]
    back = client.get("/audit/", {"object_id": "41", "after": third.context["prev_after"]})
    assert back.context["rows"] == second.context["rows"]
    assert back.context["next_before"] == second.context["next_before"]
    top = client.get("/audit/", {"object_id": "41", "after": back.context["prev_after"]})
    assert top.context["rows"] == first.context["rows"] and top.context["prev_after"] is None


def test_a_csv_export_contains_exactly_what_the_screen_shows(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent]
) -> None:
    client = web_as(auditor)
    screen = client.get("/audit/", {"division": COUNTY_A})
    export = client.get("/audit/export.csv", {"division": COUNTY_A})
    assert export["Content-Type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert header == [str(label) for _, label in queries.COLUMNS]
    assert rows == screen_rows(screen)
    assert {str(e.pk) for e in case_history} <= {row[0] for row in rows}


def test_an_xlsx_export_of_a_timeline_contains_exactly_what_the_screen_shows(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent]
) -> None:
    client = web_as(auditor)
    screen = client.get("/audit/objects/cases.case/41/")
    export = client.get("/audit/export.xlsx?" + screen.context["query"])
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    header, *rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert header == [str(label) for _, label in queries.COLUMNS]
    assert rows == screen_rows(screen)


def test_an_export_is_itself_audited(web_as: WebAs, auditor: User, case_history: list[AuditEvent]) -> None:
    web_as(auditor).get("/audit/export.xlsx", {"object_type": "cases.case", "object_id": "41"})
    event = AuditEvent.objects.get(event_type="audit.exported")
    assert (event.actor_id, event.division_code, event.actor_role) == (auditor.pk, "44", "auditor")
    assert event.data == {
        "format": "xlsx",
        "filters": {"object_type": "cases.case", "object_id": "41"},
        "order": "desc",
        "timeline": False,
        "rows": 3,
        "truncated": False,
    }


def test_an_export_stops_at_the_configured_limit_and_says_so(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent], settings: Any
) -> None:
    settings.LAUREL_AUDIT_EXPORT_MAX_ROWS = 2
    response = web_as(auditor).get("/audit/export.csv", CASE)
    assert response["X-Laurel-Truncated"] == "2"
    assert AuditEvent.objects.get(event_type="audit.exported").data["truncated"] is True


def test_exports_neutralise_spreadsheet_formulas(web_as: WebAs, auditor: User, caseworker: User) -> None:
    record(
        event_type="case.transition",
        actor=caseworker,
        division_code=COUNTY_A,
        data={"reason": '=HYPERLINK("http://evil","x")', "task": "+1", "from": "-2", "to": "@SUM(A1)"},
        object_type="cases.case",
        object_id="41",
    )
    client = web_as(auditor)
    header, row = list(csv.reader(io.StringIO(client.get("/audit/export.csv", CASE).content.decode("utf-8-sig"))))
    values = dict(zip([key for key, _ in queries.COLUMNS], row, strict=True))
    assert values["reason"] == '\'=HYPERLINK("http://evil","x")'
    assert (values["task"], values["from"], values["to"]) == ("'+1", "'-2", "'@SUM(A1)")
    assert len(header) == len(row)
    sheet = load_workbook(io.BytesIO(client.get("/audit/export.xlsx", CASE).content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row if cell]
    assert not [cell for cell in cells if str(cell).startswith(("=", "+", "-", "@"))]


def test_an_unknown_export_format_is_not_found(web_as: WebAs, auditor: User) -> None:
    assert web_as(auditor).get("/audit/export.pdf").status_code == 404


def test_the_status_page_shows_the_last_verification_and_checkpoint(
    web_as: WebAs, auditor: User, case_history: list[AuditEvent], signing_keys: tuple[Path, Path]
) -> None:
    call_command("audit_checkpoint", stdout=io.StringIO())
    call_command("verify_audit_chain", stdout=io.StringIO())
    response = web_as(auditor).get("/audit/status/")
    assert response.status_code == 200
    assert response.context["verification"].ok is True
    assert response.context["checkpoint"].chains["44"]["seq"] >= 3
    assert [head.chain for head in response.context["heads"]] == ["44"]  # not 北京's chain


def test_the_status_page_says_when_nothing_was_verified_yet(web_as: WebAs, auditor: User) -> None:
    response = web_as(auditor).get("/audit/status/")
    assert response.context["verification"] is None
    assert response.context["checkpoint"] is None


def test_the_navigation_links_auditors_and_supervisors_to_the_trail(
    web_as: WebAs, auditor: User, caseworker: User, supervisor: User
) -> None:
    assert 'href="/audit/"' in web_as(auditor).get("/").content.decode()
    assert 'href="/audit/"' in web_as(supervisor).get("/").content.decode()
    assert 'href="/audit/"' not in web_as(caseworker).get("/").content.decode()


def test_events_without_an_actor_are_shown_as_the_system(web_as: WebAs, auditor: User) -> None:
    record(event_type="letter.issued", actor=None, division_code=COUNTY_A, object_type="letters.letter", object_id="1")
    record(event_type="auth.login_failed", actor=None, division_code=COUNTY_A, data={"username": "mallory"})
    rows = web_as(auditor).get("/audit/", {"division": COUNTY_A, "event_type": "letter."}).context["rows"]
    assert [row["actor"] for row in rows] == ["（系统）"]
    rows = web_as(auditor).get("/audit/", {"actor": "mallory"}).context["rows"]
    assert [(row["actor"], row["details"]) for row in rows] == [("", '{"username": "mallory"}')]


def test_every_event_type_the_apps_record_has_a_label() -> None:
    """Auditors read names, not codes: a new event type must come with its label."""
    import re
    from pathlib import Path

    from audit_ui.labels import EVENT_LABELS

    root = Path(__file__).resolve().parents[2]
    recorded: set[str] = set()
    for app in (
        "accounts",
        "jurisdictions",
        "audit",
        "subjects",
        "cases",
        "workflows",
        "letters",
        "notifications",
        "policies",
        "crosscheck",
        "quality",
        "reports",
        "audit_ui",
        "benefits",
        "petitions",
        "portal",
    ):
        for source in (root / app).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            recorded |= set(re.findall(r'event_type="([a-z_.]+)"', text))
            recorded |= set(re.findall(r'_audit\("([a-z_.]+)"', text))
            # petitions.actions._event(case, petition, "accepted", …) records petition.accepted
            recorded |= {f"petition.{e}" for e in re.findall(r'_event\(\s*case,\s*petition,\s*"([a-z_]+)"', text)}
    assert "case.filed" in recorded  # the scan finds what the apps record
    assert sorted(recorded - set(EVENT_LABELS)) == []
